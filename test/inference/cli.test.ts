import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { UsageError } from '../../src/cli/args.ts';
import { runCommand } from '../../src/cli/run.ts';
import { readNpy } from '../../src/inference/npy.ts';
import { fixture, npy, relErr, tinyModelDir, tmpDir } from './helpers.ts';

async function capture(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  try {
    await fn();
  } finally {
    console.log = orig;
  }
  return lines;
}

test('import-checkpoint, sample, render --npy, bench', async () => {
  const out = tmpDir();
  const model = path.join(out, 'model');
  await capture(() => runCommand('import-checkpoint', [fixture('tiny.pt'), '--out', model]));
  assert.ok(fs.existsSync(path.join(model, 'manifest.json')));

  const w = path.join(out, 'w.npy');
  await capture(() => runCommand('sample', ['--model', model, '--seed', '3', '--truncation', '0.7', '--out', w]));
  assert.deepEqual(readNpy(fs.readFileSync(w)).shape, [1, 27, 32]);

  // the fixture batch [2, 27, 32] renders to the reference outputs (mask all ones for sample 0)
  const r = path.join(out, 'render');
  await capture(() =>
    runCommand('render', ['--model', model, '--latent', fixture('latents.npy'), '--out', r, '--npy']),
  );
  const img = readNpy(fs.readFileSync(path.join(r, 'image.npy')));
  assert.deepEqual(img.shape, [2, 3, 64, 64]);
  const ref = npy('ref_image.npy');
  const n = 3 * 64 * 64;
  assert.ok(relErr(img.data.subarray(0, n), ref.data.subarray(0, n)) < 1e-3);
  for (const f of ['segmentation.npy', 'coarse.npy', 'depth.npy', 'image_0.png', 'segmentation_1.png'])
    assert.ok(fs.existsSync(path.join(r, f)), f);
  assert.equal(PNG.sync.read(fs.readFileSync(path.join(r, 'image_0.png'))).width, 64);

  // single W+ with truncation
  const r2 = path.join(out, 'render2');
  await capture(() => runCommand('render', ['--model', model, '--latent', w, '--out', r2, '--truncation', '0.5']));
  assert.ok(fs.existsSync(path.join(r2, 'image.png')) && fs.existsSync(path.join(r2, 'segmentation.png')));

  const lines = await capture(() => runCommand('bench', ['--model', model, '--batch', '2', '--runs', '2']));
  const last = JSON.parse(lines[lines.length - 1]);
  for (const k of [
    'ms_per_image',
    'images_per_second',
    'batch',
    'runs',
    'execution_provider',
    'gflops_per_second',
    'percent_of_peak',
  ])
    assert.ok(k in last, k);
  assert.equal(last.batch, 2);
  assert.equal(last.execution_provider, 'cpu');
  // The share is of a peak measured on this machine, not one assumed for some CPU.
  assert.match(last.peak_source, /^measured: .*sgemm .* GFLOP\/s, conv .* GFLOP\/s/);
  assert.ok(last.peak_gflops > 0 && Number.isFinite(last.peak_gflops), String(last.peak_gflops));

  await assert.rejects(runCommand('render', ['--model', model]), UsageError);
  await assert.rejects(
    runCommand('render', ['--model', await tinyModelDir(), '--latent', fixture('float64.npy'), '--out', r2]),
    /float32/,
  );
});
