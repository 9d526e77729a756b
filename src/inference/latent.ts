// Pure latent operations over W+ codes: Float32Array [nLatent * dim], row-major.
import type { ComponentPart, LatentLayout } from './types.ts';

export class LatentError extends Error {
  override name = 'LatentError';
}

export interface ComponentSelection {
  /** Component (class) indices. */
  components: number[];
  /** Also the coarse (base) rows. */
  coarse: boolean;
  part: ComponentPart;
}

/** Throws LatentError unless `latent` is a finite W+ of `layout`. */
export function checkLatent(layout: LatentLayout, latent: Float32Array, what = 'latent'): void {
  if (!(latent instanceof Float32Array)) throw new LatentError(`${what} must be a Float32Array`);
  const n = layout.nLatent * layout.dim;
  if (latent.length !== n) {
    throw new LatentError(`${what} has ${latent.length} values, expected ${n} (${layout.nLatent} x ${layout.dim})`);
  }
  assertFinite(latent, what);
}

export function assertFinite(a: ArrayLike<number>, what = 'latent'): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new LatentError(`${what} contains a non-finite value (${a[i]}) at index ${i}`);
  }
}

/** The W+ rows a selection covers, ascending. */
export function selectedRows(layout: LatentLayout, sel: ComponentSelection): number[] {
  const rows = new Set<number>();
  if (sel.coarse) for (let r = 0; r < layout.baseLayers; r++) rows.add(r);
  if (!['SHAPE', 'TEXTURE', 'BOTH'].includes(sel.part))
    throw new LatentError(`unknown component part '${String(sel.part)}'`);
  for (const k of sel.components) {
    if (!Number.isInteger(k) || k < 0 || k >= layout.numComponents) {
      throw new LatentError(`component index ${k} out of range 0..${layout.numComponents - 1}`);
    }
    const base = layout.baseLayers + 2 * k;
    if (sel.part !== 'TEXTURE') rows.add(base);
    if (sel.part !== 'SHAPE') rows.add(base + 1);
  }
  return [...rows].sort((a, b) => a - b);
}

/** Copy of `target` with the selected rows taken from `source`. */
export function swapComponents(
  layout: LatentLayout,
  target: Float32Array,
  source: Float32Array,
  sel: ComponentSelection,
): Float32Array {
  checkLatent(layout, target, 'target latent');
  checkLatent(layout, source, 'source latent');
  const out = Float32Array.from(target);
  const D = layout.dim;
  for (const r of selectedRows(layout, sel)) out.set(source.subarray(r * D, (r + 1) * D), r * D);
  return out;
}

/** Resample = swap from a freshly sampled latent (e.g. `await runtime.sample(seed)`). */
export function resampleComponents(
  layout: LatentLayout,
  target: Float32Array,
  fresh: Float32Array,
  sel: ComponentSelection,
): Float32Array {
  return swapComponents(layout, target, fresh, sel);
}

/** Copy of `a` with the selected rows replaced by (1 - t) a + t b. */
export function interpolateComponents(
  layout: LatentLayout,
  a: Float32Array,
  b: Float32Array,
  sel: ComponentSelection,
  t: number,
): Float32Array {
  checkLatent(layout, a, 'latent a');
  checkLatent(layout, b, 'latent b');
  if (!Number.isFinite(t)) throw new LatentError(`interpolation t must be finite (got ${t})`);
  const out = Float32Array.from(a);
  const D = layout.dim;
  for (const r of selectedRows(layout, sel)) {
    for (let i = r * D; i < (r + 1) * D; i++) out[i] = (1 - t) * a[i] + t * b[i];
  }
  return out;
}

/** psi accepted by every entry point (API and CLI): truncation toward w_avg. */
export const TRUNCATION_RANGE = [0, 1.5] as const;
/** psi used when a fresh sample is drawn and none is given (API and CLI alike). */
export const DEFAULT_TRUNCATION = 0.7;

/** w' = w_avg + psi (w - w_avg), applied to every row of `latent` (any number of rows). */
export function truncate(latent: Float32Array, wAvg: Float32Array, psi: number): Float32Array {
  const D = wAvg.length;
  if (D === 0 || latent.length % D !== 0)
    throw new LatentError(`latent length ${latent.length} is not a multiple of ${D}`);
  if (!Number.isFinite(psi)) throw new LatentError(`truncation psi must be finite (got ${psi})`);
  assertFinite(latent);
  const out = new Float32Array(latent.length);
  for (let i = 0; i < latent.length; i++) {
    const m = wAvg[i % D];
    out[i] = m + psi * (latent[i] - m);
  }
  return out;
}

/** W+ with every row equal to w. */
export function broadcastW(layout: LatentLayout, w: Float32Array): Float32Array {
  if (w.length !== layout.dim) throw new LatentError(`w has ${w.length} values, expected ${layout.dim}`);
  const out = new Float32Array(layout.nLatent * layout.dim);
  for (let r = 0; r < layout.nLatent; r++) out.set(w, r * layout.dim);
  return out;
}

export interface ExpandConfig {
  seg_dim: number;
  local_layers: number;
  base_layers: number;
  depth_layers: number;
  latent: number;
}

/**
 * Expansion to per-layer codes [K * local_layers, D] (spec §2). An input that already has
 * K * local_layers rows is returned as is. (The generator graph performs the same expansion
 * internally; this is for callers that want to store or edit expanded codes.)
 */
export function expandLatent(cfg: ExpandConfig, latent: Float32Array): Float32Array {
  const D = cfg.latent,
    K = cfg.seg_dim,
    L = cfg.local_layers,
    base = cfg.base_layers;
  if (latent.length === K * L * D) return latent;
  const nLatent = base + 2 * K;
  if (latent.length !== nLatent * D)
    throw new LatentError(`latent has ${latent.length} values, expected ${nLatent * D} or ${K * L * D}`);
  const out = new Float32Array(K * L * D);
  for (let k = 0; k < K; k++)
    for (let j = 0; j < L; j++) {
      let r: number;
      if (k === 0) r = j < cfg.depth_layers ? base : base + 1;
      else if (j < base) r = j;
      else if (j < cfg.depth_layers) r = base + 2 * k;
      else r = base + 2 * k + 1;
      out.set(latent.subarray(r * D, (r + 1) * D), (k * L + j) * D);
    }
  return out;
}

/**
 * A render's input checked against the model: `latent` is W+ (nLatent rows) or expanded
 * (`expandedRows`), finite; `mask` (default all ones) has one finite weight per component.
 * Returns the rows per latent and the mask as floats; `i` names the latent in errors.
 */
export function checkRenderInput(
  layout: LatentLayout,
  expandedRows: number,
  latent: Float32Array,
  mask: ArrayLike<number> | undefined,
  i: number,
): { rows: number; mask: Float32Array } {
  const { nLatent, dim, numComponents: K } = layout;
  if (!(latent instanceof Float32Array)) throw new LatentError(`latent ${i} must be a Float32Array`);
  let rows: number;
  if (latent.length === nLatent * dim) rows = nLatent;
  else if (latent.length === expandedRows * dim) rows = expandedRows;
  else
    throw new LatentError(
      `latent ${i} has ${latent.length} values, expected ${nLatent * dim} (${nLatent} x ${dim}) or ${expandedRows * dim} (expanded)`,
    );
  assertFinite(latent, `latent ${i}`);
  const m = new Float32Array(K).fill(1);
  if (mask !== undefined) {
    if (mask.length !== K) throw new LatentError(`composition mask ${i} has ${mask.length} entries, expected ${K}`);
    for (let k = 0; k < K; k++) {
      const v = Number(mask[k]);
      if (!Number.isFinite(v)) throw new LatentError(`composition mask ${i} has a non-finite entry`);
      m[k] = v;
    }
  }
  return { rows, mask: m };
}
