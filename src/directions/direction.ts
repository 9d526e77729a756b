// An attribute direction: a unit vector on one component's rows of W+ (its shape row, its texture
// row or both), so that moving along it changes that part and leaves every other row as it was.
import { LatentError, checkLatent, selectedRows } from '../inference/latent.ts';
import { readNpy } from '../inference/npy.ts';
import { Rng } from '../inference/rng.ts';
import type { ComponentPart, LatentLayout, ModelInfo } from '../inference/types.ts';
import type { Dataset } from './fit.ts';

export type DirectionSource = 'learned' | 'examples' | 'imported';

export interface Direction {
  name: string;
  /** Component name (the model's class name). */
  component: string;
  part: ComponentPart;
  /** [rows(part) * D]: shape row first when BOTH; unit length over all its values. */
  vector: Float32Array;
  /** How it was made: 'ridge', 'linear-svm', 'imported-npy'. */
  method: string;
  /** Held-out score: R^2 for a ridge direction, accuracy for a classifier; null when unknown (imported). */
  accuracy: number | null;
  /** Samples (or labelled examples) it was fitted on; 0 for imported. */
  samples: number;
  /** Standard deviation of sampled faces' codes along the direction (W units): a slider's natural step. */
  spread: number;
  source: DirectionSource;
}

export class DirectionError extends Error {
  override name = 'DirectionError';
}

export function componentIndex(info: ModelInfo, component: string): number {
  const c = info.components.find((x) => x.name.toLowerCase() === component.toLowerCase());
  if (!c) {
    throw new DirectionError(
      `model "${info.name}" has no component "${component}" (it has ${info.components.map((x) => x.name).join(', ')})`,
    );
  }
  return c.index;
}

/** The W+ rows a direction moves. */
export function directionRows(info: ModelInfo, d: Pick<Direction, 'component' | 'part'>): number[] {
  return selectedRows(info.layout, { components: [componentIndex(info, d.component)], coarse: false, part: d.part });
}

/** Throws unless the vector fits the model (rows x D values, finite, non-zero). */
export function checkDirection(info: ModelInfo, d: Direction): void {
  const rows = directionRows(info, d);
  const want = rows.length * info.layout.dim;
  if (d.vector.length !== want) {
    throw new DirectionError(
      `direction "${d.name}" has ${d.vector.length} values; ${d.component} ${d.part} needs ${want} (${rows.length} x ${info.layout.dim})`,
    );
  }
  let n = 0;
  for (const v of d.vector) {
    if (!Number.isFinite(v)) throw new DirectionError(`direction "${d.name}" contains a non-finite value`);
    n += v * v;
  }
  if (n === 0) throw new DirectionError(`direction "${d.name}" is all zeros`);
}

/** Copy of `latent` with `amount * vector` added to the direction's rows; every other row is copied unchanged. */
export function applyDirection(
  info: ModelInfo,
  latent: Float32Array,
  d: Pick<Direction, 'component' | 'part' | 'vector'>,
  amount: number,
): Float32Array {
  checkLatent(info.layout, latent);
  if (!Number.isFinite(amount)) throw new LatentError(`amount must be finite (got ${amount})`);
  const D = info.layout.dim;
  const out = Float32Array.from(latent);
  directionRows(info, d).forEach((r, j) => {
    for (let i = 0; i < D; i++) out[r * D + i] += amount * d.vector[j * D + i];
  });
  return out;
}

/**
 * The same direction applied to the whole latent (every row), as InterFaceGAN-style global
 * directions are: each row gets the mean of the direction's per-row vectors. For comparison only.
 */
export function applyToAllRows(
  info: ModelInfo,
  latent: Float32Array,
  d: Pick<Direction, 'component' | 'part' | 'vector'>,
  amount: number,
): Float32Array {
  const D = info.layout.dim;
  const rows = directionRows(info, d).length;
  const perRow = new Float32Array(D);
  for (let j = 0; j < rows; j++) for (let i = 0; i < D; i++) perRow[i] += d.vector[j * D + i] / rows;
  const out = Float32Array.from(latent);
  for (let r = 0; r < info.layout.nLatent; r++) for (let i = 0; i < D; i++) out[r * D + i] += amount * perRow[i];
  return out;
}

/**
 * The fit's data: per latent, its direction rows (the features a fit sees) and its label. Learning
 * from samples and learning from a designer's marked faces both fit on this.
 */
export function rowDataset(
  layout: Pick<LatentLayout, 'dim'>,
  latents: readonly Float32Array[],
  rows: number[],
  labels: ArrayLike<number>,
): Dataset {
  const D = layout.dim;
  const p = rows.length * D;
  const d: Dataset = { x: new Float64Array(latents.length * p), y: Float64Array.from(labels), n: latents.length, p };
  latents.forEach((latent, j) => {
    rows.forEach((r, k) => {
      for (let i = 0; i < D; i++) d.x[j * p + k * D + i] = latent[r * D + i];
    });
  });
  return d;
}

const SPREAD_SAMPLES = new WeakMap<object, Map<string, Promise<Float32Array>>>();

/** Spread of sampled codes along a unit direction: std of v . w over `n` seeded w's (mapping only). */
export async function spreadAlong(
  runtime: { mapZ(z: Float32Array, n: number): Promise<Float32Array>; info: ModelInfo },
  vector: Float32Array,
  rows: number,
  n = 256,
  seed = 7,
): Promise<number> {
  const D = runtime.info.layout.dim;
  // The same sampled codes serve every direction of a runtime (mapping runs are the cost here).
  const key = `${n}:${rows}:${seed}`;
  let byKey = SPREAD_SAMPLES.get(runtime);
  if (!byKey) SPREAD_SAMPLES.set(runtime, (byKey = new Map()));
  let pending = byKey.get(key);
  if (!pending) {
    const rng = new Rng(seed);
    byKey.set(key, (pending = runtime.mapZ(rng.normals(n * rows * D), n * rows)));
  }
  const w = await pending;
  const proj: number[] = [];
  for (let s = 0; s < n; s++) {
    let t = 0;
    for (let j = 0; j < rows * D; j++) t += vector[j] * w[s * rows * D + j];
    proj.push(t);
  }
  const m = proj.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(proj.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, n - 1));
}

/**
 * A direction vector from an .npy as the authors' tools write one: [D] or [1, D] (one row, used
 * for the named part's row(s)), [n_latent, D] or [1, n_latent, D] (a full W+ whose non-zero rows
 * must all be the component's). Returns the vector for `part`'s rows, normalised to unit length.
 */
export function vectorFromNpy(
  info: ModelInfo,
  bytes: Uint8Array,
  component: string,
  part: ComponentPart,
): { vector: Float32Array; part: ComponentPart } {
  const { shape, data } = readNpy(bytes);
  const D = info.layout.dim,
    N = info.layout.nLatent;
  const k = componentIndex(info, component);
  const dims = shape.filter((s, i) => !(i === 0 && s === 1 && shape.length > 1));
  let rowsData: Float32Array;
  if (dims.length === 1 && dims[0] === D) {
    const rows = directionRows(info, { component, part }).length;
    rowsData = new Float32Array(rows * D);
    for (let j = 0; j < rows; j++) rowsData.set(data.subarray(0, D), j * D);
  } else if (dims.length === 2 && dims[0] === N && dims[1] === D) {
    const own = new Set(selectedRows(info.layout, { components: [k], coarse: false, part }));
    for (let r = 0; r < N; r++) {
      if (own.has(r)) continue;
      for (let i = 0; i < D; i++) {
        if (data[r * D + i] !== 0) {
          throw new DirectionError(
            `the .npy moves row ${r}, which is not a ${part.toLowerCase()} row of ${component}; a local direction moves only its part's rows`,
          );
        }
      }
    }
    rowsData = new Float32Array(own.size * D);
    [...own].sort((a, b) => a - b).forEach((r, j) => rowsData.set(data.subarray(r * D, (r + 1) * D), j * D));
  } else {
    throw new DirectionError(
      `direction .npy has shape [${shape.join(', ')}], expected [${D}], [1, ${D}] or [${N}, ${D}]`,
    );
  }
  let n = 0;
  for (const v of rowsData) {
    if (!Number.isFinite(v)) throw new DirectionError('direction .npy contains a non-finite value');
    n += v * v;
  }
  if (n === 0) throw new DirectionError(`direction .npy is zero on the ${part.toLowerCase()} rows of ${component}`);
  const s = 1 / Math.sqrt(n);
  return { vector: rowsData.map((v) => v * s), part };
}
