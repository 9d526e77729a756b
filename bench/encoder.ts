// Inversion benchmark: npx tsx bench/encoder.ts [--model models/cartoon64] [--faces 8] [--threads 1]
// Inverts generator-made faces of the model's seeds 1..N one at a time as the server would (start
// at the manifest's w_avg; encoder.onnx then generator.onnx, encoder.json's defaultIterations
// times) and prints ms per inversion, split into encoder and generator time, and the PSNR reached.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { ModelRuntime } from '../src/inference/runtime.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/cartoon64' },
    faces: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
  },
});
const dir = values.model!;
const threads = Number(values.threads);
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'encoder.json'), 'utf8'));
const rt = await ModelRuntime.load(dir, { intraOpThreads: threads });
const enc = await ort.InferenceSession.create(path.join(dir, 'encoder.onnx'), {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
});
const { resolution: S, n_latent: N, dim: D, defaultIterations: iterations } = meta;
const clamp = (a: Float32Array) => a.map((v) => Math.min(1, Math.max(-1, v)));
const psnr = (a: Float32Array, b: Float32Array) => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10(4 / (se / a.length));
};
let encMs = 0,
  genMs = 0,
  psnrSum = 0;
const faces = Number(values.faces);
for (let f = 0; f <= faces; f++) {
  const target = clamp((await rt.renderOneRaw(await rt.sample(f + 1))).image);
  let w = new Float32Array(N * D);
  for (let r = 0; r < N; r++) w.set(rt.wAvg, r * D);
  let t = performance.now();
  let rec = clamp((await rt.renderOneRaw(w)).image);
  let g = performance.now() - t,
    e = 0;
  for (let i = 0; i < iterations; i++) {
    t = performance.now();
    const out = await enc.run({
      image: new ort.Tensor('float32', target, [1, 3, S, S]),
      reconstruction: new ort.Tensor('float32', rec, [1, 3, S, S]),
      latent: new ort.Tensor('float32', w, [1, N, D]),
    });
    const delta = out.delta.data as Float32Array;
    w = w.map((v, j) => v + delta[j]);
    e += performance.now() - t;
    t = performance.now();
    rec = clamp((await rt.renderOneRaw(w)).image);
    g += performance.now() - t;
  }
  if (f === 0) continue; // warm-up
  encMs += e;
  genMs += g;
  psnrSum += psnr(rec, target);
}
await rt.close();
await enc.release();
const result = {
  model: dir,
  iterations,
  threads,
  faces,
  msPerInversion: +((encMs + genMs) / faces).toFixed(1),
  encoderMs: +(encMs / faces).toFixed(1),
  generatorMs: +(genMs / faces).toFixed(1),
  psnrOnGeneratedFaces: +(psnrSum / faces).toFixed(2),
};
console.log(
  `${result.msPerInversion} ms per inversion (${iterations} iterations, ${threads} thread(s)): encoder ${result.encoderMs} ms, generator ${result.generatorMs} ms; PSNR ${result.psnrOnGeneratedFaces} dB on ${faces} generated faces`,
);
console.log(JSON.stringify(result));
