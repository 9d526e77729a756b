// The `ssg` model commands as scripts outside the project call them: through bin/ssg.js, with
// one-line errors and exit codes.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { ssg } from '../helpers/ssg.ts';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'ssg-tiny');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'ssg-cli-'));
after(() => rm(tmp, { recursive: true, force: true }));

/** `ssg ARGS` from a scratch directory, as a script outside the project runs it. */
const run = (...args: string[]) => ssg(args, { cwd: tmp });

test('import-checkpoint, sample, render and bench work from the command line', async () => {
  const model = path.join(tmp, 'tiny');
  const imported = await run('import-checkpoint', path.join(FIXTURES, 'tiny.pt'), '--out', model);
  assert.equal(imported.code, 0, imported.stderr);
  assert.ok((await readdir(model)).includes('manifest.json'));

  const w = path.join(tmp, 'w.npy');
  const sampled = await run('sample', '--model', model, '--seed', '3', '--truncation', '0.7', '--out', w);
  assert.equal(sampled.code, 0, sampled.stderr);

  const out = path.join(tmp, 'render');
  const rendered = await run('render', '--model', model, '--latent', w, '--out', out, '--npy');
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.deepEqual((await readdir(out)).sort(), [
    'coarse.npy',
    'depth.npy',
    'image.npy',
    'image.png',
    'segmentation.npy',
    'segmentation.png',
  ]);

  const bench = await run('bench', '--model', model, '--batch', '2', '--runs', '2');
  assert.equal(bench.code, 0, bench.stderr);
  const last = JSON.parse(bench.stdout.trim().split('\n').at(-1)!);
  assert.equal(last.batch, 2);
  assert.equal(last.runs, 2);
  assert.equal(last.execution_provider, 'cpu');
  assert.ok(last.ms_per_image > 0 && last.images_per_second > 0);
});

test('a mis-shaped checkpoint is refused in one line naming the tensor, and nothing is written', async () => {
  const out = path.join(tmp, 'bad');
  const r = await run('import-checkpoint', path.join(FIXTURES, 'bad_shape.pt'), '--out', out);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr.trim(),
    /^ssg: .*g_ema\.render_net\.convs\.1\.weight has shape \[24,23,3,3\], expected \[24,24,3,3\]$/,
  );
  await assert.rejects(readdir(out), { code: 'ENOENT' });
});

test('a missing model directory and an unknown command', async () => {
  const r = await run('render', '--model', path.join(tmp, 'nope'), '--latent', 'w.npy', '--out', path.join(tmp, 'x'));
  assert.equal(r.code, 1);
  assert.match(r.stderr.trim(), /^ssg: model directory .*nope does not exist$/);
  const u = await run('paint');
  assert.equal(u.code, 2);
  assert.match(u.stderr, /unknown command "paint"/);
});
