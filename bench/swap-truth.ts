// Swap ground-truth benchmark: npm run bench:swaps [-- --model models/cartoon64 --pairs 40]
// On fresh faces (dataset seed 9: the shipped model trained on seed 1), each face A and B is
// inverted with the model's encoder exactly as an importImage job does (Encoder.invert, the
// default 3 iterations), the swap is the API's (swapComponents over W+ rows), the render the
// served one (ModelRuntime.renderRaw). The answer is exact: facesjs draws "A with B's part" from
// parameters (src/dataset/swap-truth.ts). Prints, per component and part:
// - recovered: 1 - L1(swap, truth) / L1(inverted A, truth), pooled over the pixels where A and the
//   truth differ (any channel by more than 0.1 of the [-1, 1] range): the share of the true change
//   the swap makes (1 = all of it, 0 = nothing changed, < 0 = wrong changes);
// - ceiling: the same for the truth inverted directly (what the encoder can show at all);
// - psnr of the swap to the truth, locality (share of the pixels the swap changed that lie in the
//   part's mask, A's or the truth's), the same share for the true swap (its ceiling: facesjs
//   anti-aliases outlines, so even the truth changes pixels just outside the part's hard mask),
//   mask change (share of pixels whose class changed);
// then inversion PSNR and mask mIoU, and samples against dataset faces: sharpness, diversity, rare
// parts and a Frechet distance in the encoder's latent space (FRECHET_DIMS fixed random projections
// of the one-pass W+ estimate), beside the same distance between two sets of dataset faces. Writes docs/model/swap-truth.json and docs/model/swap-truth.png (truth beside swap).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sampleFace } from '../src/dataset/face-svg.ts';
import { renderComposite, renderParams, type RenderedSample } from '../src/dataset/render-sample.ts';
import { sampleSeed } from '../src/dataset/seeded-random.ts';
import type { SwapPart } from '../src/dataset/swap-truth.ts';
import { Encoder, psnr } from '../src/inference/encoder.ts';
import { sampleZ } from '../src/inference/rng.ts';
import { swapComponents } from '../src/inference/latent.ts';
import { encodeRgb } from '../src/inference/png.ts';
import { ModelRuntime } from '../src/inference/runtime.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { frechetDistance } from './frechet.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'cartoon64') },
    pairs: { type: 'string', default: '40' },
    samples: { type: 'string', default: '2000' },
    iterations: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'dataset-seed': { type: 'string', default: '9' },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'docs', 'model') },
  },
});
const PAIRS = Number(values.pairs);
const ITER = Number(values.iterations);
const SEED = Number(values['dataset-seed']);
const rt = await ModelRuntime.load(values.model!, { intraOpThreads: Number(values.threads), maxBatch: 8 });
const encoder = await Encoder.of(rt);
const S = rt.info.resolution;
const P = S * S;
const K = rt.info.layout.numComponents;
const classIndex = (name: string) => rt.info.components.find((c) => c.name === name)!.index;

const CASES: Array<{ component: string; part: SwapPart }> = [
  { component: 'hair', part: 'both' },
  { component: 'hair', part: 'shape' },
  { component: 'hair', part: 'texture' },
  { component: 'eyes', part: 'both' },
  { component: 'mouth', part: 'both' },
  { component: 'eyebrows', part: 'both' },
  { component: 'nose', part: 'both' },
  { component: 'face', part: 'shape' },
  { component: 'face', part: 'texture' },
  { component: 'facial_hair', part: 'both' },
  { component: 'eyeglasses', part: 'both' },
  { component: 'hat', part: 'both' },
];
// Swaps of a part neither face has change nothing: pairs for rare parts are drawn so B has one.
const RARE_FEATURE: Record<string, string> = { facial_hair: 'facialHair', eyeglasses: 'glasses', hat: 'accessories' };

const toTensor = (rgb: Uint8Array) => {
  const t = new Float32Array(3 * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) t[c * P + p] = rgb[p * 3 + c]! / 127.5 - 1;
  return t;
};
const toRgb = (img: Float32Array, off = 0) => {
  const out = new Uint8Array(P * 3);
  for (let p = 0; p < P; p++)
    for (let c = 0; c < 3; c++)
      out[p * 3 + c] = Math.round(Math.min(1, Math.max(-1, img[off + c * P + p]!)) * 127.5 + 127.5);
  return out;
};
const argmax = (seg: Float32Array, off = 0) => {
  const out = new Uint8Array(P);
  for (let p = 0; p < P; p++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (seg[off + k * P + p]! > seg[off + best * P + p]!) best = k;
    out[p] = best;
  }
  return out;
};
function meanIou(pred: Uint8Array, labels: Uint8Array): number {
  const inter = new Float64Array(K),
    union = new Float64Array(K);
  for (let p = 0; p < P; p++) {
    if (pred[p] === labels[p]) inter[labels[p]!]! += 1;
    union[labels[p]!]! += 1;
    if (pred[p] !== labels[p]) union[pred[p]!]! += 1;
  }
  let s = 0,
    n = 0;
  for (let k = 0; k < K; k++)
    if (union[k]! > 0) {
      s += inter[k]! / union[k]!;
      n++;
    }
  return s / n;
}
const pixelDiff = (a: Float32Array, b: Float32Array, p: number) =>
  Math.max(Math.abs(a[p]! - b[p]!), Math.abs(a[P + p]! - b[P + p]!), Math.abs(a[2 * P + p]! - b[2 * P + p]!));
const l1At = (a: Float32Array, b: Float32Array, p: number) =>
  (Math.abs(a[p]! - b[p]!) + Math.abs(a[P + p]! - b[P + p]!) + Math.abs(a[2 * P + p]! - b[2 * P + p]!)) / 3;

async function invert(s: RenderedSample) {
  const target = toTensor(s.rgb);
  const { latent } = await encoder.invert(rt, target, ITER);
  const raw = await rt.renderRaw([latent]);
  return { latent, image: raw.image, classes: argmax(raw.segmentation), target };
}

interface Acc {
  num: number;
  den: number;
  cnum: number;
  psnr: number;
  inside: number;
  changed: number;
  truthInside: number;
  truthChanged: number;
  maskChange: number;
  n: number;
}
const acc = new Map<string, Acc>();
let invPsnr = 0,
  invIou = 0,
  invN = 0;
const sheetRows: Uint8Array[][] = [];
const faces = (i: number) => sampleFace(sampleSeed(SEED, i));
let nextFace = 0;

for (let pair = 0; pair < PAIRS; pair++) {
  const pa = faces(nextFace++);
  const pb = faces(nextFace++);
  const A = renderParams(pa, S),
    B = renderParams(pb, S);
  const ia = await invert(A),
    ib = await invert(B);
  for (const inv of [
    [ia, A],
    [ib, B],
  ] as const) {
    invPsnr += psnr(inv[0].image, inv[0].target);
    invIou += meanIou(inv[0].classes, inv[1].labels);
    invN++;
  }
  const sheetRow: Uint8Array[] = pair < 6 ? [A.rgb, B.rgb] : [];
  for (const c of CASES) {
    let pbc = pb,
      ibc = ib;
    const feature = RARE_FEATURE[c.component];
    if (feature) {
      // A partner that has the rare part (fresh seeds until one does).
      for (let tries = 0; tries < 50; tries++) {
        const cand = faces(1_000_000 + pair * 50 + tries);
        if ((cand.face as unknown as Record<string, { id: string }>)[feature]!.id !== 'none') {
          pbc = cand;
          break;
        }
      }
      if (pbc !== pb) ibc = await invert(renderParams(pbc, S));
    }
    const truth = renderComposite(pa, pbc, c.component, c.part, S);
    const truthT = toTensor(truth.rgb);
    const k = classIndex(c.component);
    const swapped = swapComponents(rt.info.layout, ia.latent, ibc.latent, {
      components: [k],
      coarse: false,
      part: c.part.toUpperCase() as 'SHAPE' | 'TEXTURE' | 'BOTH',
    });
    const raw = await rt.renderRaw([swapped]);
    const swapClasses = argmax(raw.segmentation);
    const ceiling = await invert(truth);
    const key = `${c.component} ${c.part}`;
    const a = acc.get(key) ?? {
      num: 0,
      den: 0,
      cnum: 0,
      psnr: 0,
      inside: 0,
      changed: 0,
      truthInside: 0,
      truthChanged: 0,
      maskChange: 0,
      n: 0,
    };
    const tA = toTensor(A.rgb);
    for (let p = 0; p < P; p++) {
      if (pixelDiff(tA, truthT, p) > 0.1) {
        a.truthChanged++;
        if (A.labels[p] === k || truth.labels[p] === k) a.truthInside++;
        a.num += l1At(raw.image, truthT, p);
        a.den += l1At(ia.image, truthT, p);
        a.cnum += l1At(ceiling.image, truthT, p);
      }
      if (pixelDiff(raw.image, ia.image, p) > 0.1) {
        a.changed++;
        if (A.labels[p] === k || truth.labels[p] === k) a.inside++;
      }
      if (swapClasses[p] !== ia.classes[p]) a.maskChange++;
    }
    a.psnr += psnr(raw.image, truthT);
    a.n++;
    acc.set(key, a);
    if (pair < 6 && ['hair both', 'eyes both', 'mouth both', 'eyebrows both', 'hair texture'].includes(key))
      sheetRow.push(truth.rgb, toRgb(raw.image));
  }
  if (sheetRow.length) sheetRows.push(sheetRow);
}

// Samples against dataset faces: sharpness, diversity, rare parts.
const N = Number(values.samples);
function sharpness(rgbs: Uint8Array[]) {
  let lap = 0,
    grad = 0;
  for (const rgb of rgbs) {
    const g = new Float32Array(P);
    for (let p = 0; p < P; p++) g[p] = (rgb[p * 3]! + rgb[p * 3 + 1]! + rgb[p * 3 + 2]!) / 3 / 255;
    let m = 0,
      m2 = 0,
      gs = 0,
      n = 0;
    for (let y = 1; y < S - 1; y++)
      for (let x = 1; x < S - 1; x++) {
        const p = y * S + x;
        const l = g[p - 1]! + g[p + 1]! + g[p - S]! + g[p + S]! - 4 * g[p]!;
        m += l;
        m2 += l * l;
        n++;
        gs += Math.hypot(g[p + 1]! - g[p]!, g[p + S]! - g[p]!);
      }
    lap += m2 / n - (m / n) ** 2;
    grad += gs / n;
  }
  return { laplacianVariance: lap / rgbs.length, meanGradient: grad / rgbs.length };
}
function diversity(rgbs: Uint8Array[], labels: Uint8Array[]) {
  let l1 = 0,
    lab = 0,
    n = 0;
  for (let i = 0; i + 1 < rgbs.length; i += 2) {
    let s = 0,
      d = 0;
    for (let j = 0; j < P * 3; j++) s += Math.abs(rgbs[i]![j]! - rgbs[i + 1]![j]!) / 255;
    for (let p = 0; p < P; p++) if (labels[i]![p] !== labels[i + 1]![p]) d++;
    l1 += s / (P * 3);
    lab += d / P;
    n++;
  }
  return { pairwiseL1: l1 / n, labelDifference: lab / n };
}
const RARE = ['eyeglasses', 'hat', 'facial_hair'];
const presence = (labels: Uint8Array[]) =>
  Object.fromEntries(
    RARE.map((name) => [
      name,
      labels.filter((l) => l.filter((v) => v === classIndex(name)).length >= 8).length / labels.length,
    ]),
  );
const dataRgb: Uint8Array[] = [],
  dataLab: Uint8Array[] = [],
  sampRgb: Uint8Array[] = [],
  sampLab: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  const d = renderParams(faces(2_000_000 + i), S);
  dataRgb.push(d.rgb);
  dataLab.push(d.labels);
}
for (let i = 0; i < N; i += 8) {
  const lat = await Promise.all(
    Array.from({ length: Math.min(8, N - i) }, (_, j) => rt.sample(5_000_000 + i + j, 1.0)),
  );
  const raw = await rt.renderRaw(lat);
  for (let j = 0; j < lat.length; j++) {
    sampRgb.push(toRgb(raw.image, j * 3 * P));
    sampLab.push(argmax(raw.segmentation, j * K * P));
  }
}
const samples = { ...sharpness(sampRgb), ...diversity(sampRgb, sampLab), presence: presence(sampLab) };
const dataset = { ...sharpness(dataRgb), ...diversity(dataRgb, dataLab), presence: presence(dataLab) };

// Frechet distance in the encoder's space: the one-pass W+ estimate of each picture, projected on
// FRECHET_DIMS fixed random directions (a few hundred faces cannot fill a 14,336-wide covariance).
const FRECHET_DIMS = 32;
const projection = Array.from({ length: FRECHET_DIMS }, (_, i) =>
  sampleZ(20_261_207 + i, rt.info.layout.nLatent * rt.info.layout.dim),
);
async function features(rgbs: Uint8Array[]): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const rgb of rgbs) {
    const { latent } = await encoder.invert(rt, toTensor(rgb), 1);
    out.push(
      Float64Array.from(projection, (dir) => {
        let s = 0;
        for (let i = 0; i < dir.length; i++) s += dir[i]! * latent[i]!;
        return s / Math.sqrt(dir.length);
      }),
    );
  }
  return out;
}
// Rare parts need the 2,000 faces (a 10% share has a 0.7% standard error there, 1.5% at 400); the
// distance is taken on the first FRECHET_FACES of each set.
const FRECHET_FACES = Math.min(N, 500);
const otherData: Uint8Array[] = [];
for (let i = 0; i < FRECHET_FACES; i++) otherData.push(renderParams(faces(3_000_000 + i), S).rgb);
const [sampFeat, dataFeat, otherFeat] = [
  await features(sampRgb.slice(0, FRECHET_FACES)),
  await features(dataRgb.slice(0, FRECHET_FACES)),
  await features(otherData),
];
const frechet = { samples: frechetDistance(sampFeat, dataFeat), datasetFloor: frechetDistance(otherFeat, dataFeat) };
await rt.close();

const rows = [...acc.entries()].map(([key, a]) => ({
  case: key,
  pairs: a.n,
  recovered: 1 - a.num / a.den,
  ceiling: 1 - a.cnum / a.den,
  psnr: a.psnr / a.n,
  locality: a.changed ? a.inside / a.changed : 0,
  truthLocality: a.truthChanged ? a.truthInside / a.truthChanged : 0,
  maskChange: a.maskChange / (a.n * P),
}));
const report = {
  bench: 'swap-truth',
  model: rt.info.name,
  pairs: PAIRS,
  datasetSeed: SEED,
  encoderIterations: ITER,
  cpu: fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
  swaps: rows,
  inversion: { psnr: invPsnr / invN, maskMeanIou: invIou / invN, faces: invN },
  samples,
  dataset,
  frechet: { ...frechet, dims: FRECHET_DIMS, faces: FRECHET_FACES },
  ratios: {
    laplacianVariance: samples.laplacianVariance / dataset.laplacianVariance,
    meanGradient: samples.meanGradient / dataset.meanGradient,
    pairwiseL1: samples.pairwiseL1 / dataset.pairwiseL1,
    labelDifference: samples.labelDifference / dataset.labelDifference,
  },
};
console.log(
  `model ${rt.info.name}; ${PAIRS} fresh pairs (dataset seed ${SEED}), encoder ${ITER} iterations, ${report.cpu}`,
);
console.log('case                 recovered  ceiling  PSNR dB  locality  (truth)  mask change');
for (const r of rows)
  console.log(
    `${r.case.padEnd(20)} ${r.recovered.toFixed(2).padStart(9)} ${r.ceiling.toFixed(2).padStart(8)} ${r.psnr.toFixed(2).padStart(8)} ${r.locality.toFixed(2).padStart(9)} ${r.truthLocality.toFixed(2).padStart(8)} ${(r.maskChange * 100).toFixed(2).padStart(11)}%`,
  );
console.log(
  `inversion: ${report.inversion.psnr.toFixed(2)} dB, mask mIoU ${report.inversion.maskMeanIou.toFixed(3)} (${invN} faces)`,
);
console.log(
  `samples / dataset: Laplacian variance ${report.ratios.laplacianVariance.toFixed(2)}x, mean gradient ${report.ratios.meanGradient.toFixed(2)}x, pairwise L1 ${report.ratios.pairwiseL1.toFixed(2)}x, label difference ${report.ratios.labelDifference.toFixed(2)}x`,
);
console.log(
  `Frechet distance (encoder space, ${FRECHET_DIMS} projections, ${FRECHET_FACES} faces): samples ${frechet.samples.toFixed(3)}, two dataset sets ${frechet.datasetFloor.toFixed(3)}`,
);
console.log(
  `rare parts (share of faces): ${RARE.map((r) => `${r} ${(samples.presence[r]! * 100).toFixed(1)}% vs ${(dataset.presence[r]! * 100).toFixed(1)}%`).join(', ')}`,
);
fs.mkdirSync(values.out!, { recursive: true });
fs.writeFileSync(path.join(values.out!, 'swap-truth.json'), JSON.stringify(report, null, 2) + '\n');
// Sheet: per pair A, B, then (truth, swap) for hair, hair texture, eyes, mouth, eyebrows.
const cols = Math.max(...sheetRows.map((r) => r.length));
const scale = 2,
  gap = 4,
  cell = S * scale;
const W = cols * cell + (cols - 1) * gap,
  H = sheetRows.length * cell + (sheetRows.length - 1) * gap;
const sheet = new Uint8Array(W * H * 3).fill(255);
sheetRows.forEach((row, ri) =>
  row.forEach((rgb, ci) => {
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cell; x++) {
        const src = (Math.floor(y / scale) * S + Math.floor(x / scale)) * 3;
        const dst = ((ri * (cell + gap) + y) * W + ci * (cell + gap) + x) * 3;
        sheet.set(rgb.subarray(src, src + 3), dst);
      }
  }),
);
fs.writeFileSync(path.join(values.out!, 'swap-truth.png'), encodeRgb(W, H, sheet));
console.log(
  JSON.stringify({
    bench: 'swap-truth',
    swaps: rows,
    inversion: report.inversion,
    ratios: report.ratios,
    frechet: report.frechet,
  }),
);
