// The render net's 2x upsampling forms: the stride-2 transposed 3x3 conv + 4x4 blur (three
// equivalent forms, see GeneratorGraphOptions.upsample) and the skip path's upfirdn2d.
import type { GraphBuilder } from '../onnx-builder.ts';
import type { Interleave } from './context.ts';

/** 1-D factor of the blur kernel4 * 4 ([1,3,3,1] / 4 per axis). */
const BLUR_1D = [1 / 4, 3 / 4, 3 / 4, 1 / 4];

/** The 4x4 blur kernel, the outer product of BLUR_1D with itself. */
export function blurKernel(): Float32Array {
  const k = new Float32Array(16);
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) k[a * 4 + b] = BLUR_1D[a] * BLUR_1D[b];
  return k;
}

/** The blur repeated per channel for a depthwise conv [O, 1, 4, 4]. */
function depthwiseBlur(blur: Float32Array, O: number): Float32Array {
  const bw = new Float32Array(O * 16);
  for (let o = 0; o < O; o++) bw.set(blur, o * 16);
  return bw;
}

/** upfirdn2d(x, kernel4*4, up 2, pad (2,1)) per channel as a polyphase depthwise conv + DepthToSpace. */
export function skipUpsample(g: GraphBuilder, x: string, N: number, side: number, il: Interleave): string {
  const ph = [
    [0.25, 0.75, 0],
    [0, 0.75, 0.25],
  ];
  const W = new Float32Array(N * 4 * 9);
  for (let c = 0; c < N; c++)
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 2; q++) {
        for (let ty = 0; ty < 3; ty++)
          for (let tx = 0; tx < 3; tx++) W[(c * 4 + p * 2 + q) * 9 + ty * 3 + tx] = ph[p][ty] * ph[q][tx];
      }
  const y = g.op1('Conv', [x, g.constF('upw', W, [4 * N, 1, 3, 3])], {
    group: N,
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });
  return interleave2x2(g, y, N, side, 'CRD', il);
}

/**
 * DepthToSpace(blocksize 2) of x [B, 4C, h, h] (DCR: channel (2p+q)*C + c; CRD: 4c + 2p + q) to
 * [B, C, 2h, 2h]. 'transpose': q moved innermost (runs of 1), then p inwards (runs of 2h).
 */
function interleave2x2(g: GraphBuilder, x: string, C: number, h: number, mode: 'DCR' | 'CRD', il: Interleave): string {
  if (il === 'depthtospace') return g.op1('DepthToSpace', [x], { blocksize: 2, mode });
  // Reshapes copy the batch dim (0) so shape inference keeps it symbolic.
  const dcr = mode === 'DCR';
  const r6 = g.op1('Reshape', [x, g.constI64('il6', dcr ? [0, 2, 2, C, h, h] : [0, C, 2, 2, h, h])]);
  const t1 = g.op1('Transpose', [r6], { perm: dcr ? [0, 1, 3, 4, 5, 2] : [0, 1, 2, 4, 5, 3] }); // ..., w, q
  const r5 = g.op1('Reshape', [t1, g.constI64('il5', dcr ? [0, 2, C, h, 2 * h] : [0, C, 2, h, 2 * h])]);
  const t2 = g.op1('Transpose', [r5], { perm: dcr ? [0, 2, 3, 1, 4] : [0, 1, 3, 2, 4] }); // [B, C, h, p, 2w]
  return g.op1('Reshape', [t2, g.constI64('il4', [0, C, 2 * h, 2 * h])]);
}

/** One upsampling conv: the fixed 3x3 weight [O, cin, 3, 3] and its bias, input side h. */
export interface UpsampleConv {
  weight: Float32Array;
  bias: Float32Array;
  outC: number;
  inC: number;
  sideIn: number;
  /** Suffix of the initializer names that carry the level (convtranspose form). */
  level: number;
}

/** Adds the upsampling conv in the chosen form; returns its output and its MACs per image. */
export function upsampleConv(
  g: GraphBuilder,
  x: string,
  conv: UpsampleConv,
  mode: 'convtranspose' | 'phase' | 'split',
  il: Interleave,
): { y: string; macs: number } {
  const { outC: O, inC: cin, sideIn: h } = conv;
  const side = 2 * h;
  if (mode === 'split')
    return {
      y: splitUpsampleConv(g, x, conv, blurKernel(), il),
      macs: O * cin * 9 * (h + 1) * (h + 1) + O * 16 * side * side,
    };
  if (mode === 'phase') return { y: phaseUpsampleConv(g, x, conv), macs: O * cin * 9 * h * h * 4 };
  return { y: convTransposeUpsample(g, x, conv), macs: O * cin * 9 * h * h + O * 16 * side * side };
}

/** The direct form: ConvTranspose then the blur as a depthwise conv. */
function convTransposeUpsample(g: GraphBuilder, x: string, conv: UpsampleConv): string {
  const { weight: W0, bias, outC: O, inC: cin, level: i } = conv;
  const Wt = new Float32Array(cin * O * 9); // [cin, O, 3, 3]
  for (let o = 0; o < O; o++)
    for (let c = 0; c < cin; c++) for (let t = 0; t < 9; t++) Wt[(c * O + o) * 9 + t] = W0[(o * cin + c) * 9 + t];
  const y = g.op1('ConvTranspose', [x, g.constF(`ct${i}`, Wt, [cin, O, 3, 3])], {
    strides: [2, 2],
    kernel_shape: [3, 3],
  });
  return g.op1(
    'Conv',
    [y, g.constF(`blur${i}`, depthwiseBlur(blurKernel(), O), [O, 1, 4, 4]), g.constF(`b${2 * i}`, bias, [O])],
    {
      group: O,
      kernel_shape: [4, 4],
      pads: [1, 1, 1, 1],
    },
  );
}

/**
 * Transposed conv (stride 2, 3x3) followed by the 4x4 blur, as one 3x3 conv on the low-res input
 * producing the four output phases, then DepthToSpace (4x the GEMM work of the transposed conv).
 */
function phaseUpsampleConv(g: GraphBuilder, x: string, conv: UpsampleConv): string {
  const { weight: W, bias, outC: O, inC: cin } = conv;
  // 1-D composite filter g[jj], jj = n - 2i in [-2, 3]: sum over u (convT tap) and m (blur tap) with u - m + 1 = jj.
  // Per phase p (n = 2a + p) and input offset t in {-1,0,1} (i = a + t): jj = p - 2t.
  const Wp = new Float32Array(O * 4 * cin * 9);
  const comp = (u: number, jj: number) => {
    const mm = u + 1 - jj;
    return mm >= 0 && mm < 4 ? BLUR_1D[mm] : 0;
  };
  for (let o = 0; o < O; o++)
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 2; q++) {
        const oc = o * 4 + p * 2 + q;
        for (let c = 0; c < cin; c++)
          for (let ty = 0; ty < 3; ty++)
            for (let tx = 0; tx < 3; tx++) {
              const jy = p - 2 * (ty - 1),
                jx = q - 2 * (tx - 1);
              let s = 0;
              for (let uy = 0; uy < 3; uy++)
                for (let ux = 0; ux < 3; ux++) {
                  const a = comp(uy, jy),
                    b = comp(ux, jx);
                  if (a !== 0 && b !== 0) s += W[(o * cin + c) * 9 + uy * 3 + ux] * a * b;
                }
              Wp[(oc * cin + c) * 9 + ty * 3 + tx] = s;
            }
      }
  const bp = new Float32Array(O * 4);
  for (let o = 0; o < O; o++) for (let k = 0; k < 4; k++) bp[o * 4 + k] = bias[o];
  const y = g.op1('Conv', [x, g.constF('phw', Wp, [O * 4, cin, 3, 3]), g.constF('phb', bp, [O * 4])], {
    kernel_shape: [3, 3],
    pads: [1, 1, 1, 1],
  });
  return g.op1('DepthToSpace', [y], { blocksize: 2, mode: 'CRD' });
}

/**
 * Transposed conv (stride 2, 3x3, no padding) as four plain convs, one per output phase, with
 * exactly the 9 taps of the transposed conv (2x2, 2x1, 1x2 and 1x1 kernels on the low-res input),
 * interleaved by Concat + DepthToSpace (DCR), then the 4x4 blur as a depthwise conv with its
 * padding inside. Same MACs as the transposed conv, but runs on ORT's NCHWc conv kernels.
 * Per axis: t[2a] = w2 x[a-1] + w0 x[a] (a = 0..H), t[2a+1] = w1 x[a] (0 at a = H), so each
 * phase is (H+1) long and the interleaved grid is the 2H+1 transposed-conv output plus one
 * trailing zero; the blur then pads (1 before, 0 after).
 */
function splitUpsampleConv(g: GraphBuilder, x: string, conv: UpsampleConv, blur: Float32Array, il: Interleave): string {
  const { weight: W, bias, outC: O, inC: cin } = conv;
  const taps = [[2, 0], [1]]; // phase 0 kernel rows read x[a-1], x[a] -> taps w2, w0; phase 1 reads x[a] -> w1
  const phases: string[] = [];
  for (let p = 0; p < 2; p++)
    for (let q = 0; q < 2; q++) {
      const ty = taps[p],
        tx = taps[q];
      const kh = ty.length,
        kw = tx.length;
      const Wp = new Float32Array(O * cin * kh * kw);
      for (let o = 0; o < O; o++)
        for (let c = 0; c < cin; c++)
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++) {
              Wp[((o * cin + c) * kh + a) * kw + b] = W[(o * cin + c) * 9 + ty[a] * 3 + tx[b]];
            }
      // pads: [top, left, bottom, right]; even phase pads 1 before, odd 0 before; both 1 after.
      const pads = [p === 0 ? 1 : 0, q === 0 ? 1 : 0, 1, 1];
      phases.push(g.op1('Conv', [x, g.constF(`up${p}${q}`, Wp, [O, cin, kh, kw])], { kernel_shape: [kh, kw], pads }));
    }
  const cat = g.op1('Concat', phases, { axis: 1 });
  const t = interleave2x2(g, cat, O, conv.sideIn + 1, 'DCR', il);
  return g.op1('Conv', [t, g.constF('blurw', depthwiseBlur(blur, O), [O, 1, 4, 4]), g.constF('blurb', bias, [O])], {
    group: O,
    kernel_shape: [4, 4],
    pads: [1, 1, 0, 0],
  });
}
