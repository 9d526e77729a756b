// Linear fits of a measure on latent rows: ridge regression (continuous measures) and a linear
// SVM (presence, and designers' labelled examples), as InterFaceGAN fits its boundaries. Both
// return a weight vector in the latent's own coordinates (no per-feature scaling, so that the
// normalised weights are a direction in W space). Rows of X are samples, row-major [n * p].
import { Rng } from '../inference/rng.ts';

export interface Dataset {
  /** [n * p] */
  x: Float64Array;
  y: Float64Array;
  n: number;
  p: number;
}

export function subset(d: Dataset, idx: number[]): Dataset {
  const x = new Float64Array(idx.length * d.p),
    y = new Float64Array(idx.length);
  idx.forEach((i, j) => {
    x.set(d.x.subarray(i * d.p, (i + 1) * d.p), j * d.p);
    y[j] = d.y[i];
  });
  return { x, y, n: idx.length, p: d.p };
}

function columnMeans(d: Dataset): Float64Array {
  const m = new Float64Array(d.p);
  for (let i = 0; i < d.n; i++) for (let j = 0; j < d.p; j++) m[j] += d.x[i * d.p + j];
  for (let j = 0; j < d.p; j++) m[j] /= Math.max(1, d.n);
  return m;
}

export interface LinearModel {
  /** Weights in the input's coordinates. */
  w: Float64Array;
  bias: number;
}

export function predict(model: LinearModel, x: Float64Array, p: number, i: number): number {
  let s = model.bias;
  for (let j = 0; j < p; j++) s += model.w[j] * x[i * p + j];
  return s;
}

/** Ridge regression: minimises |y - Xw - b|^2 + lambda |w|^2 (X and y centred, so b is not penalised). */
export function ridge(d: Dataset, lambda: number): LinearModel {
  const { n, p } = d;
  const mx = columnMeans(d);
  let my = 0;
  for (let i = 0; i < n; i++) my += d.y[i];
  my /= Math.max(1, n);
  if (n < p) return ridgeDual(d, lambda, mx, my);
  const a = new Float64Array(p * p),
    rhs = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) row[j] = d.x[i * p + j] - mx[j];
    const yi = d.y[i] - my;
    for (let j = 0; j < p; j++) {
      const rj = row[j];
      rhs[j] += rj * yi;
      for (let k = 0; k <= j; k++) a[j * p + k] += rj * row[k];
    }
  }
  for (let j = 0; j < p; j++) a[j * p + j] += lambda;
  const w = choleskySolve(a, rhs, p);
  let b = my;
  for (let j = 0; j < p; j++) b -= w[j] * mx[j];
  return { w, bias: b };
}

/** The same ridge solution through the n x n system (fewer samples than features): w = Xc^T (Xc Xc^T + lambda I)^-1 yc. */
function ridgeDual(d: Dataset, lambda: number, mx: Float64Array, my: number): LinearModel {
  const { n, p } = d;
  const xc = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) xc[i * p + j] = d.x[i * p + j] - mx[j];
  const k = new Float64Array(n * n),
    yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yc[i] = d.y[i] - my;
    for (let j = 0; j <= i; j++) {
      let t = 0;
      for (let c = 0; c < p; c++) t += xc[i * p + c] * xc[j * p + c];
      k[i * n + j] = t;
    }
    k[i * n + i] += lambda;
  }
  const alpha = choleskySolve(k, yc, n);
  const w = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) w[c] += xc[i * p + c] * alpha[i];
  let b = my;
  for (let j = 0; j < p; j++) b -= w[j] * mx[j];
  return { w, bias: b };
}

/** Solves A w = b for symmetric positive definite A (lower triangle used; A is overwritten). */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  for (let j = 0; j < p; j++) {
    let s = a[j * p + j];
    for (let k = 0; k < j; k++) s -= a[j * p + k] * a[j * p + k];
    const d = Math.sqrt(Math.max(s, 1e-300));
    a[j * p + j] = d;
    for (let i = j + 1; i < p; i++) {
      let t = a[i * p + j];
      for (let k = 0; k < j; k++) t -= a[i * p + k] * a[j * p + k];
      a[i * p + j] = t / d;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let t = b[i];
    for (let k = 0; k < i; k++) t -= a[i * p + k] * z[k];
    z[i] = t / a[i * p + i];
  }
  const w = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let t = z[i];
    for (let k = i + 1; k < p; k++) t -= a[k * p + i] * w[k];
    w[i] = t / a[i * p + i];
  }
  return w;
}

/**
 * Linear SVM (L2-regularised hinge loss, dual coordinate descent as in liblinear); labels 0/1.
 * Inputs are centred, and scaled by one common factor so that C means the same for any model.
 */
export function linearSvm(d: Dataset, c: number, seed = 1, epochs = 60): LinearModel {
  const { n, p } = d;
  const mx = columnMeans(d);
  let ss = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) ss += (d.x[i * p + j] - mx[j]) ** 2;
  const scale = Math.sqrt(ss / Math.max(1, n)) || 1;
  const xs = new Float64Array(n * (p + 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) xs[i * (p + 1) + j] = (d.x[i * p + j] - mx[j]) / scale;
    xs[i * (p + 1) + p] = 1; // bias feature
  }
  const q = p + 1;
  const ys = Float64Array.from(d.y, (v) => (v > 0.5 ? 1 : -1));
  const alpha = new Float64Array(n),
    w = new Float64Array(q),
    qii = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) qii[i] += xs[i * q + j] ** 2;
  const order = [...Array(n).keys()];
  const rng = new Rng(seed);
  for (let e = 0; e < epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const k = rng.nextU32() % (i + 1);
      [order[i], order[k]] = [order[k], order[i]];
    }
    let maxStep = 0;
    for (const i of order) {
      let g = 0;
      for (let j = 0; j < q; j++) g += w[j] * xs[i * q + j];
      g = ys[i] * g - 1;
      const old = alpha[i];
      const next = Math.min(Math.max(old - g / qii[i], 0), c);
      const delta = next - old;
      if (delta !== 0) {
        alpha[i] = next;
        for (let j = 0; j < q; j++) w[j] += delta * ys[i] * xs[i * q + j];
        maxStep = Math.max(maxStep, Math.abs(delta));
      }
    }
    if (maxStep < 1e-6) break;
  }
  // Back to the input's coordinates: f(x) = w.(x - mx)/scale + w_b.
  const out = new Float64Array(p);
  let bias = w[p];
  for (let j = 0; j < p; j++) {
    out[j] = w[j] / scale;
    bias -= out[j] * mx[j];
  }
  return { w: out, bias };
}

/** Coefficient of determination on a data set (1 - SSres / SStot). */
export function r2(model: LinearModel, d: Dataset): number {
  let my = 0;
  for (let i = 0; i < d.n; i++) my += d.y[i];
  my /= Math.max(1, d.n);
  let res = 0,
    tot = 0;
  for (let i = 0; i < d.n; i++) {
    res += (d.y[i] - predict(model, d.x, d.p, i)) ** 2;
    tot += (d.y[i] - my) ** 2;
  }
  return tot > 0 ? 1 - res / tot : 0;
}

/** Fraction of 0/1 labels predicted right (score > 0 means 1). */
export function accuracy(model: LinearModel, d: Dataset): number {
  let ok = 0;
  for (let i = 0; i < d.n; i++) ok += Number(predict(model, d.x, d.p, i) > 0 === d.y[i] > 0.5);
  return d.n ? ok / d.n : 0;
}

/** A seeded split of 0..n-1 into train / validation / test index lists (70 / 15 / 15). */
export function split(n: number, seed: number): { train: number[]; val: number[]; test: number[] } {
  const idx = [...Array(n).keys()];
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const k = rng.nextU32() % (i + 1);
    [idx[i], idx[k]] = [idx[k], idx[i]];
  }
  const a = Math.round(n * 0.7),
    b = Math.round(n * 0.85);
  return { train: idx.slice(0, a), val: idx.slice(a, b), test: idx.slice(b) };
}

/** Ridge with lambda chosen on the validation set, refitted on train + validation. */
export function fitRidge(d: Dataset, s: { train: number[]; val: number[] }): { model: LinearModel; lambda: number } {
  const train = subset(d, s.train),
    val = subset(d, s.val);
  let trace = 0;
  const mx = columnMeans(train);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d.p; j++) trace += (train.x[i * d.p + j] - mx[j]) ** 2;
  const base = trace / d.p;
  let best = { score: -Infinity, lambda: base };
  for (const f of [1e-2, 1e-1, 1, 10, 100]) {
    const score = r2(ridge(train, base * f), val);
    if (score > best.score) best = { score, lambda: base * f };
  }
  return { model: ridge(subset(d, [...s.train, ...s.val]), best.lambda), lambda: best.lambda };
}

/** Linear SVM with C chosen on the validation set, refitted on train + validation. */
export function fitSvm(d: Dataset, s: { train: number[]; val: number[] }): { model: LinearModel; c: number } {
  const train = subset(d, s.train),
    val = subset(d, s.val);
  let best = { score: -Infinity, c: 1 };
  for (const c of [0.01, 0.1, 1]) {
    const score = accuracy(linearSvm(train, c), val);
    if (score > best.score) best = { score, c };
  }
  return { model: linearSvm(subset(d, [...s.train, ...s.val]), best.c), c: best.c };
}

/** w / |w| as float32. */
export function unit(w: ArrayLike<number>): Float32Array {
  let n = 0;
  for (let i = 0; i < w.length; i++) n += w[i] * w[i];
  n = Math.sqrt(n);
  const out = new Float32Array(w.length);
  if (n > 0) for (let i = 0; i < w.length; i++) out[i] = w[i] / n;
  return out;
}
