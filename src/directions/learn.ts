// Learning attribute directions from the model's own outputs (no outside classifier):
//   1. sample N faces whose W+ rows are all drawn independently (mapping(z) per row, truncated),
//      so that each part's rows vary on their own and a fit on them sees only what they do;
//   2. render them in batches and measure every part (measures.ts);
//   3. per measure, fit the part's row(s) -> measure: ridge regression, or a linear SVM for
//      presence; score on held-out samples (R^2 / accuracy); keep the ones that predict.
import { DEFAULT_TRUNCATION, broadcastW, truncate } from '../inference/latent.ts';
import { Rng } from '../inference/rng.ts';
import type { RawOutputs } from '../inference/raw-outputs.ts';
import type { ModelInfo } from '../inference/types.ts';
import { type Direction, applyDirection, directionRows, rowDataset, spreadAlong } from './direction.ts';
import { accuracy, fitRidge, fitSvm, r2, split, subset, unit } from './fit.ts';
import {
  type MeasureName,
  type PartMeasures,
  attributeName,
  measurePart,
  measureRender,
  measuresFor,
} from './measures.ts';

/** What learning needs of a model runtime (ModelRuntime has all of it). */
export interface LearnRuntime {
  info: ModelInfo;
  wAvg: Float32Array;
  mapZ(z: Float32Array, n: number): Promise<Float32Array>;
  renderRaw(latents: Float32Array[]): Promise<RawOutputs>;
}

export interface LearnOptions {
  samples?: number;
  seed?: number;
  truncation?: number;
  /**
   * How the samples' rows are drawn: 'face' (default), every row one w, as ordinary faces are;
   * 'rows', every row its own w, so a fit sees only what the part's rows do on their own.
   */
  mixing?: Mixing;
  batch?: number;
  /** Keep a regression direction only when its held-out R^2 reaches this (default 0.25). */
  minR2?: number;
  /** Keep a presence direction only when its held-out accuracy beats always-guessing-the-majority by this (default 0.05). */
  minAccuracyGain?: number;
  /** A shape or colour measure is fitted only when the part has pixels in this fraction of samples (default 0.5). */
  minPresentFraction?: number;
  /**
   * Keep a direction only when moving its part's rows by +-1 spread on ordinary faces changes its
   * measure, on average in the fitted sign, by at least this fraction of the measure's standard
   * deviation over the samples (default 0.1): a fit on whole faces can predict a measure through
   * other rows it is correlated with, and such a direction does nothing on the part's rows alone.
   */
  minLocalEffect?: number;
  /** Ordinary faces the local-effect check renders (default 16); -Infinity for minLocalEffect skips it. */
  checkFaces?: number;
  onProgress?: (done: number, total: number) => void;
}

/** One fitted measure, kept or not, with why. */
export interface FitReport {
  name: string;
  component: string;
  measure: string;
  metric: 'r2' | 'accuracy';
  /** Held-out score; null when not fitted. */
  score: number | null;
  /** The majority-class accuracy on the test set (presence only). */
  baseline?: number;
  /** Mean change of the measure for +-1 spread on the part's rows, over the measure's standard deviation. */
  localEffect?: number;
  samples: number;
  kept: boolean;
  reason?: string;
}

export interface LearnResult {
  directions: Direction[];
  fits: FitReport[];
  mixing: Mixing;
  samples: number;
  seed: number;
  truncation: number;
  renderSeconds: number;
  fitSeconds: number;
}

export type Mixing = 'face' | 'rows';

/** `n` seeded W+ latents of truncated mapping(z): one w for every row ('face') or one per row ('rows'). */
export async function sampleLatents(
  rt: LearnRuntime,
  n: number,
  seed: number,
  truncation: number,
  mixing: Mixing = 'face',
): Promise<Float32Array[]> {
  const { nLatent, dim: D } = rt.info.layout;
  const perLatent = mixing === 'rows' ? nLatent : 1;
  const rng = new Rng(seed);
  const out: Float32Array[] = [];
  const chunk = 64;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const w = truncate(await rt.mapZ(rng.normals(m * perLatent * D), m * perLatent), rt.wAvg, truncation);
    for (let i = 0; i < m; i++) {
      if (mixing === 'rows') out.push(w.slice(i * nLatent * D, (i + 1) * nLatent * D));
      else out.push(broadcastW(rt.info.layout, w.subarray(i * D, (i + 1) * D)));
    }
  }
  return out;
}

/** Renders latents in batches and measures every part of each. */
export async function measureLatents(
  rt: LearnRuntime,
  latents: Float32Array[],
  batch = 16,
  onProgress?: (done: number, total: number) => void,
): Promise<PartMeasures[][]> {
  const out: PartMeasures[][] = [];
  for (let s = 0; s < latents.length; s += batch) {
    const raw = await rt.renderRaw(latents.slice(s, s + batch));
    for (let i = 0; i < raw.batch; i++) out.push(measureRender(raw, i));
    onProgress?.(out.length, latents.length);
  }
  return out;
}

export async function learnDirections(rt: LearnRuntime, opts: LearnOptions = {}): Promise<LearnResult> {
  const n = opts.samples ?? 2000;
  const seed = opts.seed ?? 1;
  const truncation = opts.truncation ?? DEFAULT_TRUNCATION;
  const minR2 = opts.minR2 ?? 0.25;
  const minGain = opts.minAccuracyGain ?? 0.05;
  const minPresent = opts.minPresentFraction ?? 0.5;
  const minLocal = opts.minLocalEffect ?? 0.1;
  const info = rt.info;

  const t0 = performance.now();
  const latents = await sampleLatents(rt, n, seed, truncation, opts.mixing);
  const measured = await measureLatents(rt, latents, opts.batch ?? 16, opts.onProgress);
  const t1 = performance.now();
  const checks =
    minLocal > -Infinity ? await sampleLatents(rt, opts.checkFaces ?? 16, seed + 10_000, truncation, 'face') : [];

  const directions: Direction[] = [];
  const fits: FitReport[] = [];
  for (const { component, name: comp, measure } of measuresFor(info)) {
    const name = attributeName(comp, measure);
    const part = measurePart(measure);
    const rows = directionRows(info, { component: comp, part });
    const presence = measure === 'presence';
    const metric = presence ? 'accuracy' : 'r2';
    // Shape and colour measures only where the part has pixels (a missing part has no centre).
    const idx = measured.flatMap((m, i) => (Number.isFinite(m[component][measure]) ? [i] : []));
    const base = { name, component: comp, measure, metric, samples: idx.length } as const;
    if (!presence && idx.length < minPresent * n) {
      fits.push({ ...base, score: null, kept: false, reason: `part has pixels in only ${idx.length} of ${n} samples` });
      continue;
    }
    const d = rowDataset(
      info.layout,
      idx.map((i) => latents[i]),
      rows,
      idx.map((i) => measured[i][component][measure]),
    );
    const s = split(d.n, seed + component * 31 + measure.length);
    const test = subset(d, s.test);
    let w: Float64Array, score: number, method: string;
    let baseline: number | undefined;
    if (presence) {
      const positives = d.y.reduce((a, b) => a + b, 0);
      if (positives < 20 || d.n - positives < 20) {
        fits.push({
          ...base,
          score: null,
          kept: false,
          reason: `present in ${positives} of ${d.n} samples: too few of one class`,
        });
        continue;
      }
      const fitted = fitSvm(d, s);
      w = fitted.model.w;
      score = accuracy(fitted.model, test);
      const pos = test.y.reduce((a, b) => a + b, 0) / Math.max(1, test.n);
      baseline = Math.max(pos, 1 - pos);
      method = 'linear-svm';
    } else {
      const fitted = fitRidge(d, s);
      w = fitted.model.w;
      score = r2(fitted.model, test);
      method = 'ridge';
    }
    const vector = unit(w);
    if (!vector.some((v) => v !== 0)) {
      fits.push({ ...base, score, kept: false, reason: 'the measure does not vary with these rows' });
      continue;
    }
    const kept = presence ? score >= baseline! + minGain : score >= minR2;
    const report: FitReport = { ...base, score, ...(baseline !== undefined ? { baseline } : {}), kept };
    if (!kept) {
      report.reason = presence
        ? `accuracy ${score.toFixed(3)} under baseline ${baseline!.toFixed(3)} + ${minGain}`
        : `R^2 ${score.toFixed(3)} under ${minR2}`;
      fits.push(report);
      continue;
    }
    const spread = await spreadAlong(rt, vector, rows.length);
    if (minLocal > -Infinity) {
      report.localEffect = await localEffect(
        rt,
        checks,
        { component: comp, part, vector },
        component,
        measure,
        spread,
        d.y,
      );
    }
    if (minLocal > -Infinity && !(report.localEffect! >= minLocal)) {
      report.kept = false;
      report.reason = `moving only its rows changes the measure by ${report.localEffect!.toFixed(3)} standard deviations per spread (under ${minLocal})`;
      fits.push(report);
      continue;
    }
    fits.push(report);
    directions.push({
      name,
      component: comp,
      part,
      vector,
      method,
      accuracy: score,
      samples: idx.length,
      spread,
      source: 'learned',
    });
  }
  return {
    directions,
    fits,
    mixing: opts.mixing ?? 'face',
    samples: n,
    seed,
    truncation,
    renderSeconds: (t1 - t0) / 1000,
    fitSeconds: (performance.now() - t1) / 1000,
  };
}

/** (mean m(+spread) - m(-spread)) / 2 on the part's rows, over the measure's standard deviation `ys`. */
async function localEffect(
  rt: LearnRuntime,
  faces: Float32Array[],
  d: Pick<Direction, 'component' | 'part' | 'vector'>,
  component: number,
  measure: MeasureName,
  spread: number,
  ys: Float64Array,
): Promise<number> {
  const plus = await measureLatents(
    rt,
    faces.map((f) => applyDirection(rt.info, f, d, spread)),
  );
  const minus = await measureLatents(
    rt,
    faces.map((f) => applyDirection(rt.info, f, d, -spread)),
  );
  let s = 0,
    c = 0;
  for (let i = 0; i < faces.length; i++) {
    const v = (plus[i][component][measure] - minus[i][component][measure]) / 2;
    if (Number.isFinite(v)) {
      s += v;
      c++;
    }
  }
  const m = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sd = Math.sqrt(ys.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, ys.length - 1));
  return c && sd > 0 ? s / c / sd : 0;
}
