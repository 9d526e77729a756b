// The encoder commands as a user runs them: a tiny model is trained and exported, an encoder is
// trained for it and exported into its model directory, then the served files are used as the
// server will: encoder.onnx in onnxruntime-node, iterated from the manifest's w_avg with the
// model's own generator.onnx, gets closer to a generator-made picture.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { readNpy } from '../../src/inference/npy.ts';
import { ssgSync } from '../helpers/ssg.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-encoder-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ssg = (...args: string[]) => ssgSync(args, { cwd: tmp });

function ok(r: ReturnType<typeof ssg>) {
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return r;
}

const data = path.join(tmp, 'data');
const heldout = path.join(tmp, 'heldout');
const model = path.join(tmp, 'model');
const modelPt = path.join(tmp, 'model.pt');
const run = path.join(tmp, 'enc');

test('train-encoder and export-encoder make an encoder.onnx that inverts the model', async () => {
  ok(ssg('make-dataset', '--out', data, '--count', '24', '--size', '32', '--seed', '7', '--threads', '1'));
  ok(ssg('make-dataset', '--out', heldout, '--count', '8', '--size', '32', '--seed', '8', '--threads', '1'));
  const gen = path.join(tmp, 'gen');
  ok(ssg('train', '--data', data, '--out', gen, '--size', '32', '--kimg', '0.8', '--batch', '8', '--threads', '1'));
  ok(ssg('export-model', '--from', path.join(gen, 'latest.pt'), '--out', model, '--checkpoint', modelPt));
  assert.ok(fs.existsSync(modelPt), 'export-model --checkpoint keeps the model checkpoint');

  const trained = ok(
    ssg(
      'train-encoder',
      '--model-ckpt',
      modelPt,
      '--model-dir',
      model,
      '--data',
      data,
      '--out',
      run,
      '--kimg',
      '0.64',
      '--iterations',
      '2',
      '--batch',
      '8',
      '--lr',
      '2e-3',
      '--feature-steps',
      '20',
      '--threads',
      '1',
      '--log-every',
      '10',
    ),
  );
  assert.match(trained.stdout, /training an encoder \([\d.]+ M parameters, 2 iterations\) for 32 px/);
  const log = fs
    .readFileSync(path.join(run, 'train-log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(log.length >= 6, `${log.length} log lines`);
  assert.ok(log.at(-1).l1 < log[0].l1, `image L1 ${log[0].l1} -> ${log.at(-1).l1}`);

  const check = path.join(tmp, 'check');
  const sheet = path.join(tmp, 'inversion.png');
  const exported = ok(
    ssg(
      'export-encoder',
      '--from',
      path.join(run, 'latest.pt'),
      '--out',
      model,
      '--heldout',
      heldout,
      '--images',
      '8',
      '--sheet',
      sheet,
      '--check-dir',
      check,
      '--threads',
      '1',
    ),
  );
  assert.match(exported.stdout, /wrote .*encoder\.onnx/);
  assert.ok(fs.existsSync(sheet));

  const manifest = JSON.parse(fs.readFileSync(path.join(model, 'manifest.json'), 'utf8'));
  const meta = JSON.parse(fs.readFileSync(path.join(model, 'encoder.json'), 'utf8'));
  const { nLatent, dim } = manifest.layout;
  assert.equal(meta.format, 1);
  assert.deepEqual(meta.inputs.image.shape, ['B', 3, 32, 32]);
  assert.deepEqual(meta.inputs.reconstruction.shape, ['B', 3, 32, 32]);
  assert.deepEqual(meta.inputs.latent.shape, ['B', nLatent, dim]);
  assert.deepEqual(meta.outputs.delta.shape, ['B', nLatent, dim]);
  assert.equal(meta.resolution, 32);
  assert.equal(meta.defaultIterations, 2);
  assert.equal(meta.trainedOn.kimg, 0.64);
  assert.deepEqual(
    meta.figures.perIteration.map((f: { iterations: number }) => f.iterations),
    [0, 1, 2],
  );
  assert.equal(meta.figures.heldout.images, 8);

  // The ONNX file computes what PyTorch computes.
  const session = await ort.InferenceSession.create(path.join(model, 'encoder.onnx'));
  assert.deepEqual(session.inputNames, ['image', 'reconstruction', 'latent']);
  assert.deepEqual(session.outputNames, ['delta']);
  const npy = (n: string) => readNpy(fs.readFileSync(path.join(check, `${n}.npy`)));
  const feeds = Object.fromEntries(
    ['image', 'reconstruction', 'latent'].map((n) => [n, new ort.Tensor('float32', npy(n).data, npy(n).shape)]),
  );
  const delta = (await session.run(feeds)).delta.data as Float32Array;
  const want = npy('delta').data;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(delta[i] - want[i]));
  assert.ok(maxDiff < 1e-4, `onnxruntime vs PyTorch: ${maxDiff}`);

  // Inverting generator-made faces: start at w_avg, render, correct, repeat.
  const rt = await ModelRuntime.load(model);
  try {
    const B = 4;
    const S = 32;
    const px = 3 * S * S;
    const clamp = (a: Float32Array) => a.map((v) => Math.min(1, Math.max(-1, v)));
    const targets = await Promise.all(
      [11, 12, 13, 14].map(async (s) => (await rt.renderOneRaw(await rt.sample(s))).image),
    );
    const target = new Float32Array(B * px);
    targets.forEach((t, i) => target.set(clamp(t), i * px));
    let latents = Array.from({ length: B }, () => {
      const w = new Float32Array(nLatent * dim);
      for (let r = 0; r < nLatent; r++) w.set(rt.wAvg, r * dim);
      return w;
    });
    const errors: number[] = [];
    for (let it = 0; ; it++) {
      const rec = clamp((await rt.renderRaw(latents)).image);
      let se = 0;
      for (let i = 0; i < rec.length; i++) se += (rec[i] - target[i]) ** 2;
      errors.push(se / rec.length);
      if (it === meta.defaultIterations) break;
      const latent = new Float32Array(B * nLatent * dim);
      latents.forEach((w, i) => latent.set(w, i * nLatent * dim));
      const out = await session.run({
        image: new ort.Tensor('float32', target, [B, 3, S, S]),
        reconstruction: new ort.Tensor('float32', rec, [B, 3, S, S]),
        latent: new ort.Tensor('float32', latent, [B, nLatent, dim]),
      });
      const d = out.delta.data as Float32Array;
      latents = latents.map((w, i) => w.map((v, j) => v + d[i * nLatent * dim + j]));
    }
    assert.ok(errors.at(-1)! < 0.7 * errors[0], `reconstruction MSE per iteration: ${errors.join(', ')}`);
  } finally {
    await rt.close();
    await session.release();
  }
});

test('the encoder commands refuse the wrong checkpoint in one line', () => {
  const wrong = ssg('export-encoder', '--from', modelPt, '--out', model);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^ssg: .*model\.pt is not an encoder checkpoint \(made by `ssg train-encoder`\)\n$/);

  const training = ssg(
    'train-encoder',
    '--model-ckpt',
    path.join(tmp, 'gen', 'latest.pt'),
    '--out',
    path.join(tmp, 'x'),
  );
  assert.equal(training.code, 1);
  assert.match(training.stderr, /is a training checkpoint, not the served model/);
  assert.ok(!fs.existsSync(path.join(tmp, 'x', 'latest.pt')), 'nothing trained');

  const missing = ssg('train-encoder', '--out', path.join(tmp, 'x'));
  assert.equal(missing.code, 2, 'a usage error');
  assert.match(missing.stderr, /train-encoder needs --model-ckpt/);
});
