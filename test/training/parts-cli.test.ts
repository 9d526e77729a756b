// Part-coded training as a user runs it: a dataset with exact swaps, `train --mode parts`, the
// export, then the served files: the generator reads each W+ row only in that row's slot (so a
// served row swap is exactly a part swap), and the part encoder's ONNX lands in one iteration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import { readNpy, writeNpy } from '../../src/inference/npy.ts';
import { TRAINING_DIR, pythonPath } from '../../src/training/python.ts';
import { ssgSync } from '../helpers/ssg.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-parts-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ssg(...args: string[]) {
  const r = ssgSync(args, { cwd: tmp });
  assert.equal(r.code, 0, `ssg ${args[0]}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

test('train --mode parts, export, and the served model keeps every row to its slot', async () => {
  ssg('make-dataset', '--out', 'data', '--count', '32', '--size', '32', '--seed', '7', '--threads', '1');
  ssg('make-composites', '--data', 'data', '--count', '32', '--seed', '8', '--threads', '1');
  const trained = ssg(
    'train',
    '--mode',
    'parts',
    '--preset',
    'tiny-parts',
    '--data',
    'data',
    '--out',
    'run',
    '--kimg',
    '0.08',
    '--batch',
    '4',
    '--threads',
    '1',
    '--log-every',
    '2',
  );
  assert.match(trained, /part-coded training on 32 faces of 32 px and 32 exact swaps: \d+ parameters in \d+ of 512/);
  assert.match(trained, /saved .* at 0\.08 kimg/);
  ssg('export-model', '--from', 'run/latest.pt', '--out', 'model', '--checkpoint', 'model.pt');
  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'model', 'manifest.json'), 'utf8'));
  assert.match(manifest.source.description, /every W\+ row coded from its part's parameters/);
  assert.equal(manifest.layout.dim, 512);

  // Each row's slot, from the model checkpoint.
  const py = spawnSync(
    pythonPath(),
    [
      '-c',
      `import torch, json; print(json.dumps(torch.load(${JSON.stringify(path.join(tmp, 'model.pt'))})['part_schema']['slots']))`,
    ],
    { cwd: TRAINING_DIR, encoding: 'utf8' },
  );
  assert.equal(py.status, 0, py.stderr);
  const slots: Array<{ offset: number; width: number }> = JSON.parse(py.stdout);

  // A sampled face, and the same W+ with noise everywhere outside each row's slot: the served
  // generator draws the same picture.
  ssg('sample', '--model', 'model', '--seed', '3', '--out', 'w.npy');
  const w = readNpy(fs.readFileSync(path.join(tmp, 'w.npy')));
  const [n, d] = w.shape.slice(-2);
  assert.equal(n, slots.length);
  const noisy = Float32Array.from(w.data);
  let changed = 0;
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d; i++)
      if (i < slots[r].offset || i >= slots[r].offset + slots[r].width) {
        noisy[r * d + i] += 5 * Math.sin(r * 31 + i);
        changed++;
      }
  assert.ok(changed > n * d * 0.5);
  fs.writeFileSync(path.join(tmp, 'noisy.npy'), writeNpy(noisy, w.shape));
  ssg('render', '--model', 'model', '--latent', 'w.npy', '--out', 'clean', '--npy');
  ssg('render', '--model', 'model', '--latent', 'noisy.npy', '--out', 'noisy', '--npy');
  const a = readNpy(fs.readFileSync(path.join(tmp, 'clean', 'image.npy'))).data;
  const b = readNpy(fs.readFileSync(path.join(tmp, 'noisy', 'image.npy'))).data;
  let md = 0;
  for (let i = 0; i < a.length; i++) md = Math.max(md, Math.abs(a[i] - b[i]));
  assert.ok(md < 1e-4, `values outside the rows' slots moved the picture by ${md}`);

  // The part encoder: trained on the faces and swaps' exact parameters, exported into the model.
  const enc = ssg(
    'train-encoder',
    '--model-ckpt',
    'model.pt',
    '--data',
    'data',
    '--heldout',
    'data',
    '--out',
    'enc',
    '--kimg',
    '0.1',
    '--batch',
    '16',
    '--threads',
    '1',
    '--log-every',
    '2',
    '--sheet-every',
    '0.05',
  );
  assert.match(enc, /training a part encoder .* on 64 pictures with exact parameters/);
  assert.match(enc, /held-out accuracy per parameter: face\.head\.id [\d.]+/);
  ssg('export-encoder', '--from', 'enc/latest.pt', '--out', 'model');
  const info = JSON.parse(fs.readFileSync(path.join(tmp, 'model', 'encoder.json'), 'utf8'));
  assert.equal(info.dim, 512);
  assert.equal(info.defaultIterations, 1);
  const session = await ort.InferenceSession.create(path.join(tmp, 'model', 'encoder.onnx'));
  const image = new ort.Tensor(
    'float32',
    Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i) * 0.8),
    [1, 3, 32, 32],
  );
  assert.equal(manifest.w_avg.length, d);
  const start = new ort.Tensor(
    'float32',
    Float32Array.from({ length: n * d }, (_, i) => manifest.w_avg[i % d]),
    [1, n, d],
  );
  const first = (await session.run({ image, reconstruction: image, latent: start })).delta.data as Float32Array;
  const landed = Float32Array.from(start.data as Float32Array, (v, i) => v + first[i]);
  const second = (
    await session.run({ image, reconstruction: image, latent: new ort.Tensor('float32', landed, [1, n, d]) })
  ).delta.data as Float32Array;
  const big = Math.max(...Array.from(landed, Math.abs));
  const left = Math.max(...Array.from(second, Math.abs));
  assert.ok(big > 1, 'the first iteration moves the latent');
  assert.ok(left < 1e-4 * big, `a second iteration still moves the latent by ${left}`);
});
