// Inversion benchmark: npm run bench:inversion [-- --model models/cartoon64 --images 100 --max-iterations 6]
// Inverts held-out dataset faces (sample seeds of dataset seed 7; the shipped model trained on
// seed 1) with the model's encoder as the worker runs it (onnxruntime-node, this CPU), and prints,
// per iteration count: reconstruction PSNR against the image, mean IoU of the model's
// segmentation of the inversion against the true labels, and milliseconds per inversion.
// Iteration 0 is the starting point (w_avg in every row): what a useless encoder would give.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderSample } from '../src/dataset/render-sample.ts';
import { sampleSeed } from '../src/dataset/seeded-random.ts';
import { Encoder, psnr } from '../src/inference/encoder.ts';
import { ModelRuntime } from '../src/inference/runtime.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'cartoon64') },
    images: { type: 'string', default: '100' },
    'max-iterations': { type: 'string', default: '6' },
    threads: { type: 'string', default: '2' },
    'dataset-seed': { type: 'string', default: '7' },
  },
});
const images = Number(values.images);
const maxIterations = Number(values['max-iterations']);
const rt = await ModelRuntime.load(values.model!, { intraOpThreads: Number(values.threads), maxBatch: 1 });
const encoder = await Encoder.of(rt);
const S = rt.info.resolution;
const K = rt.info.layout.numComponents;

/** Mean IoU over the classes present in the labels or the prediction. */
function meanIou(logits: Float32Array, labels: Uint8Array): number {
  const P = S * S;
  const inter = new Float64Array(K),
    union = new Float64Array(K);
  for (let p = 0; p < P; p++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logits[k * P + p]! > logits[best * P + p]!) best = k;
    const want = labels[p]!;
    if (best === want) inter[want]! += 1;
    union[want]! += 1;
    if (best !== want) union[best]! += 1;
  }
  let sum = 0,
    n = 0;
  for (let k = 0; k < K; k++)
    if (union[k]! > 0) {
      sum += inter[k]! / union[k]!;
      n++;
    }
  return sum / n;
}

const rows: { iterations: number; psnr: number; miou: number; ms: number }[] = [];
const targets = Array.from({ length: images }, (_, i) =>
  renderSample(sampleSeed(Number(values['dataset-seed']), i), S),
);
const toTensor = (rgb: Uint8Array) => {
  const t = new Float32Array(3 * S * S);
  for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) t[c * S * S + p] = rgb[p * 3 + c]! / 127.5 - 1;
  return t;
};
for (let it = 0; it <= maxIterations; it++) {
  let ps = 0,
    iou = 0,
    ms = 0;
  for (const s of targets) {
    const target = toTensor(s.rgb);
    const t0 = performance.now();
    const { latent } = await encoder.invert(rt, target, it);
    ms += performance.now() - t0;
    const raw = await rt.renderRaw([latent]);
    ps += psnr(raw.image, target);
    iou += meanIou(raw.segmentation, s.labels);
  }
  rows.push({ iterations: it, psnr: ps / images, miou: iou / images, ms: ms / images });
}
await rt.close();
console.log(`model ${rt.info.name} (${S} px), encoder ${path.join(values.model!, 'encoder.onnx')}`);
console.log(
  `${images} held-out dataset faces (dataset seed ${values['dataset-seed']}), onnxruntime-node CPU, ${values.threads} threads`,
);
console.log(
  'iterations  PSNR dB  mean IoU  ms/inversion (each iteration: a render and an encoder run; plus the final render)',
);
for (const r of rows)
  console.log(
    `${String(r.iterations).padStart(10)}  ${r.psnr.toFixed(2).padStart(7)}  ${r.miou.toFixed(3).padStart(8)}  ${r.ms.toFixed(1).padStart(8)}`,
  );
console.log(JSON.stringify({ bench: 'inversion', rows }));
