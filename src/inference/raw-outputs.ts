// Raw float outputs of generator runs and the per-sample slice the batcher hands back.

/** Raw float outputs of one generator run, batch-major. */
export interface RawOutputs {
  batch: number;
  size: number;
  numComponents: number;
  coarseSize: number;
  /** [B,3,H,W] */
  image: Float32Array;
  /** [B,K,H,W] logits */
  segmentation: Float32Array;
  /** [B,K,S,S] = 2m - 1 */
  coarse: Float32Array;
  /** [B,K,S,S] */
  depth: Float32Array;
}

/** Sample i of a batched run. */
export function sliceRaw(raw: RawOutputs, i: number): RawOutputs {
  if (raw.batch === 1) return raw;
  const H = raw.size,
    K = raw.numComponents,
    S = raw.coarseSize;
  const part = (a: Float32Array, n: number) => a.slice(i * n, (i + 1) * n);
  return {
    ...raw,
    batch: 1,
    image: part(raw.image, 3 * H * H),
    segmentation: part(raw.segmentation, K * H * H),
    coarse: part(raw.coarse, K * S * S),
    depth: part(raw.depth, K * S * S),
  };
}
