// Build-time weight folds (spec §3): each equalised-lr / modulation / demodulation fold in one
// place. Values are float32 like the checkpoint's; rounding steps (Math.fround) mirror where
// PyTorch rounds, so the graph agrees with the reference to float32 precision.
import { SQRT2 } from './context.ts';

/** 1x1 modulated conv with a fixed style (to_feat, to_depth, to_rgb, to_seg): out[o*in + c]. */
export function foldModulated1x1(
  modulation: Float32Array,
  weight: Float32Array,
  inC: number,
  outC: number,
): Float32Array {
  // The input is a LeakyRelu output whose gain sqrt(2) is folded here.
  const out = new Float32Array(outC * inC);
  const scale = 1 / Math.sqrt(inC);
  for (let o = 0; o < outC; o++)
    for (let c = 0; c < inC; c++) out[o * inC + c] = Math.fround(modulation[c] * scale) * weight[o * inC + c] * SQRT2;
  return out;
}

/**
 * 3x3 fixed conv of the render net: modulation by its constant style, demodulation per output
 * channel, then the scale of each input channel (the previous lrelu gain, or 1) folded in.
 */
export function foldFixedConv3x3(
  weight: Float32Array,
  modulation: Float32Array,
  outC: number,
  inC: number,
  inScale: Float32Array,
): Float32Array {
  const scale = 1 / Math.sqrt(inC * 9);
  const res = new Float32Array(outC * inC * 9);
  const tmp = new Float64Array(inC * 9);
  for (let o = 0; o < outC; o++) {
    let ss = 0;
    for (let c = 0; c < inC; c++) {
      for (let t = 0; t < 9; t++) {
        const v = Math.fround(Math.fround(modulation[c] * scale) * weight[(o * inC + c) * 9 + t]);
        tmp[c * 9 + t] = v;
        ss += v * v;
      }
    }
    const d = 1 / Math.sqrt(ss + 1e-8);
    for (let c = 0; c < inC; c++)
      for (let t = 0; t < 9; t++) res[(o * inC + c) * 9 + t] = tmp[c * 9 + t] * d * inScale[c];
  }
  return res;
}

/** EqualLinear of the mapping net, transposed to [in, out], lr_mul and the input gain folded. */
export function foldEqualLinear(
  weight: Float32Array,
  bias: Float32Array,
  dim: number,
  lrMul: number,
  inGain: number,
): { weightT: Float32Array; bias: Float32Array } {
  const scale = (lrMul / Math.sqrt(dim)) * inGain;
  const weightT = new Float32Array(dim * dim);
  for (let o = 0; o < dim; o++) for (let k = 0; k < dim; k++) weightT[k * dim + o] = weight[o * dim + k] * scale;
  return { weightT, bias: Float32Array.from(bias, (v) => v * lrMul) };
}

/** Equalised-lr scale of a local linear's conv weight (rounded like PyTorch's `weight * scale`). */
export function scaledLocalWeight(weight: Float32Array, o: number, c: number, C: number): number {
  return Math.fround(weight[o * C + c] * (1 / Math.sqrt(C)));
}
