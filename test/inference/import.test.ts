// Checkpoint import as integrators meet it: args missing fields, args saved as a dict, the
// project's own class list, refusing to overwrite, and the model id staying put across builds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { importCheckpoint, readTorchCheckpoint, configFromArgs } from '../../src/inference/checkpoint.ts';
import { runCommand } from '../../src/cli/run.ts';
import { readManifest, modelId } from '../../src/inference/manifest.ts';
import { writeModelDir } from '../../src/inference/model-dir.ts';
import { readNpy } from '../../src/inference/npy.ts';
import { ModelRuntime, ModelLoadError } from '../../src/inference/runtime.ts';
import { fixture, npy, relErr, tmpDir } from './helpers.ts';

const IMPORT_FIXTURES = path.join(path.dirname(fixture('tiny.pt')), '..', 'ssg-import');
const importFixture = (name: string) => path.join(IMPORT_FIXTURES, name);

async function capture(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    await fn();
  } finally {
    console.log = orig;
  }
  return lines;
}

async function renderFixtureLatents(dir: string) {
  const rt = await ModelRuntime.load(dir);
  try {
    const lat = npy('latents.npy'),
      cm = npy('composition_mask.npy');
    const n = 27 * 32;
    return await rt.renderRaw([lat.data.slice(0, n), lat.data.slice(n)], [cm.data.slice(0, 13), cm.data.slice(13)]);
  } finally {
    await rt.close();
  }
}

test("args without residual_refine: the authors' train.py default (off), named in the output", async () => {
  const out = path.join(tmpDir(), 'model');
  const lines = await capture(() => runCommand('import-checkpoint', [importFixture('no_refine.pt'), '--out', out]));
  const man = readManifest(out);
  assert.equal(man.config.residual_refine, false);
  assert.deepEqual(man.source.kind === 'checkpoint' && man.source.defaulted, ['residual_refine']);
  assert.ok(
    lines.some((l) => /args\.residual_refine missing.*false/.test(l)),
    lines.join('\n'),
  );
  const raw = await renderFixtureLatents(out);
  const ref = readNpy(fs.readFileSync(importFixture('no_refine_segmentation.npy')));
  const e = relErr(raw.segmentation, ref.data);
  assert.ok(e < 1e-3, `segmentation relative error ${e}`);
});

test('dict args (vars(args)) with the project class list, description and --name', async () => {
  const ck = readTorchCheckpoint(importFixture('cartoon_dict.pt'));
  assert.ok(ck.get('args') instanceof Map);
  assert.equal(configFromArgs(ck.get('args')).size, 64);
  const out = path.join(tmpDir(), 'cartoon');
  await capture(() =>
    runCommand('import-checkpoint', [importFixture('cartoon_dict.pt'), '--out', out, '--name', 'Cartoon v1']),
  );
  const man = readManifest(out);
  assert.equal(man.name, 'Cartoon v1');
  assert.equal(
    man.source.kind === 'checkpoint' && man.source.description,
    'Cartoon faces, trained by ssg-studio (fixture)',
  );
  assert.deepEqual(
    man.components.map((c) => c.name),
    'background face eyes eyebrows mouth nose ears hair neck cloth eyeglasses hat facial_hair'.split(' '),
  );
  assert.deepEqual(man.components[12].color, [100, 60, 20]);
  assert.deepEqual(
    man.components.filter((c) => c.transparent).map((c) => c.name),
    ['eyeglasses'],
  );
  assert.deepEqual(man.config.widths, { '16': 24, '32': 16, '64': 8 });
  const raw = await renderFixtureLatents(out);
  for (const [k, file] of [
    ['image', 'cartoon_image.npy'],
    ['segmentation', 'cartoon_segmentation.npy'],
  ] as const) {
    const e = relErr(raw[k], readNpy(fs.readFileSync(importFixture(file))).data);
    assert.ok(e < 1e-3, `${k}: relative error ${e}`);
  }
});

test('--out holding a model is not overwritten without --force', async () => {
  const out = path.join(tmpDir(), 'model');
  await importCheckpoint(importFixture('no_refine.pt'), out);
  const before = fs.readFileSync(path.join(out, 'manifest.json'), 'utf8');
  await assert.rejects(importCheckpoint(importFixture('cartoon_dict.pt'), out), /already holds a model.*--force/);
  assert.equal(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'), before);
  await importCheckpoint(importFixture('cartoon_dict.pt'), out, { force: true });
  assert.equal(readManifest(out).components[12].name, 'facial_hair');
});

test('model id depends on the weights and config, not on the ONNX bytes', async () => {
  const ck = readTorchCheckpoint(fixture('tiny.pt'));
  const base = {
    name: 'tiny',
    config: configFromArgs(ck.get('args')),
    weights: ck.stateDict('g_ema'),
    untrained: false,
  };
  const source = { kind: 'checkpoint' as const, file: 'tiny.pt', sha256: '0'.repeat(64) };
  const a = tmpDir(),
    b = tmpDir();
  await writeModelDir(a, { ...base, source, upsample: 'split' });
  await writeModelDir(b, { ...base, source, upsample: 'phase' });
  const ma = readManifest(a),
    mb = readManifest(b);
  assert.notEqual(ma.files['generator.onnx'].sha256, mb.files['generator.onnx'].sha256);
  assert.equal(modelId(ma), modelId(mb));
  const rt = await ModelRuntime.load(b);
  assert.equal(rt.info.id, modelId(ma));
  await rt.close();
});

test('ssg sample defaults psi to the API default 0.7 and refuses psi outside [0, 1.5]', async () => {
  const out = tmpDir();
  const model = path.join(out, 'model');
  await importCheckpoint(fixture('tiny.pt'), model);
  const file = path.join(out, 'w.npy');
  await capture(() => runCommand('sample', ['--model', model, '--seed', '1', '--out', file]));
  const rt = await ModelRuntime.load(model);
  const api = await rt.sample(1, 0.7);
  await rt.close();
  assert.deepEqual(Array.from(readNpy(fs.readFileSync(file)).data), Array.from(api));
  await assert.rejects(
    runCommand('sample', ['--model', model, '--seed', '1', '--truncation', '5', '--out', file]),
    /--truncation must be in \[0, 1\.5\]/,
  );
});

test('no requested provider installed: strict refuses, lenient warns once; no native error dump', async () => {
  const dir = path.join(tmpDir(), 'model');
  await importCheckpoint(fixture('tiny.pt'), dir);
  await assert.rejects(
    ModelRuntime.load(dir, { executionProviders: ['cuda'], strictProviders: true }),
    (e: Error) => e instanceof ModelLoadError && /none of the requested execution providers \(cuda\)/.test(e.message),
  );
  // In a child process: the native library failure would print to the process's stderr.
  const script = `
    import { ModelRuntime } from ${JSON.stringify(path.resolve('src/inference/runtime.ts'))};
    const warns = [];
    for (let i = 0; i < 2; i++) {
      const rt = await ModelRuntime.load(${JSON.stringify(dir)}, { executionProviders: ['cuda'], warn: (m) => warns.push(m) });
      await rt.renderRaw([new Float32Array(27 * 32)]);
      console.log(rt.executionProvider);
      await rt.close();
    }
    console.log(JSON.stringify(warns));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 2), ['cpu', 'cpu']);
  const warns = JSON.parse(lines[2]) as string[];
  assert.equal(warns.length, 1);
  assert.match(warns[0], /WARNING: none of the requested execution providers \(cuda\) is available; running on cpu/);
  assert.doesNotMatch(child.stderr, /onnxruntime|provider_bridge|Failed to load/i);
});
