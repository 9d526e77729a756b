// The local generators (spec §2-§3): latent expansion, the styles and demodulation factors of all
// layers, the positional input through pos_embed, and the K generators batched as MatMuls.
import { log2int, posChannels } from '../config.ts';
import type { ConfigWithWidths } from '../config.ts';
import { type GraphContext, LEAK, SQRT2 } from './context.ts';
import { foldModulated1x1, scaledLocalWeight } from './folds.ts';

/** Row of W+ that local generator k reads at layer j (spec §2). */
export function expandedRow(cfg: ConfigWithWidths, k: number, j: number): number {
  const base = cfg.base_layers;
  if (k === 0) return j < cfg.depth_layers ? base : base + 1;
  if (j < base) return j;
  if (j < cfg.depth_layers) return base + 2 * k;
  return base + 2 * k + 1;
}

/** Fourier positional features [2(2L+1), S*S] (spec §3). */
export function positionalFeatures(cfg: ConfigWithWidths): Float64Array {
  const S = cfg.coarse_size,
    L = log2int(cfg.size),
    Q = posChannels(cfg),
    P = S * S;
  const out = new Float64Array(Q * P);
  const lin = (i: number) => Math.fround(-1 + (2 * i) / (S - 1));
  for (let yy = 0; yy < S; yy++) {
    for (let xx = 0; xx < S; xx++) {
      const p = yy * S + xx;
      const c = [lin(xx), lin(yy)];
      out[0 * P + p] = c[0];
      out[1 * P + p] = c[1];
      for (let f = 0; f < L; f++) {
        const fr = 2 ** f;
        for (let a = 0; a < 2; a++) {
          const arg = Math.fround(fr * c[a]);
          out[(2 + 4 * f + a) * P + p] = Math.sin(arg);
          out[(2 + 4 * f + 2 + a) * P + p] = Math.cos(arg);
        }
      }
    }
  }
  return out;
}

export interface LocalOutputs {
  /** Hidden features of the last layer [B, K, C+1, P] (last row ones). */
  hidden: string;
  /** Pseudo-depth [B, K, 1, P]. */
  depth: string;
  /** composition_mask as [B, K, 1, 1]. */
  compositionMask: string;
  /** Batch-sized zeros [B, K, 1, 1]; see buildLocalNets. */
  zeroBK: string;
}

/** W+ (or already expanded) rows -> [B, L, K, 1, D]: a Gather whose table switches on the row count. */
function expandLatent({ g, cfg, dims }: GraphContext): string {
  const { classes: K, localLayers: L } = dims;
  const expIdx: number[] = [],
    idIdx: number[] = [];
  for (let j = 0; j < L; j++)
    for (let k = 0; k < K; k++) {
      expIdx.push(expandedRow(cfg, k, j));
      idIdx.push(k * L + j);
    }
  const shape = g.op1('Shape', ['latent']);
  const rows = g.op1('Gather', [shape, g.constI64('one', [1], [])], { axis: 0 });
  const isExp = g.op1('Equal', [rows, g.constI64('kl', [K * L], [])]);
  const idx = g.op1('Where', [isExp, g.constI64('id_idx', idIdx, [L, K]), g.constI64('exp_idx', expIdx, [L, K])]);
  const E = g.op1('Gather', ['latent', idx], { axis: 1 }); // [B,L,K,D]
  return g.op1('Unsqueeze', [E, g.constI64('ax3', [3])]); // [B,L,K,1,D]
}

/** Folded weights of the local linears: modulation [L,K,D,C], squared conv [L,K,C,C], per layer conv + bias. */
function localLinearWeights({ dims, tensor }: GraphContext) {
  const { latent: D, localChannel: C, classes: K, localLayers: L } = dims;
  const modWeightT = new Float32Array(L * K * D * C),
    modBias = new Float32Array(L * K * C),
    convSqT = new Float32Array(L * K * C * C);
  const convs: Float32Array[] = [],
    biases: Float32Array[] = [];
  for (let j = 0; j < L; j++) {
    const convJ = new Float32Array(K * C * C),
      biasJ = new Float32Array(K * C);
    for (let k = 0; k < K; k++) {
      const p = `local_nets.${k}.linears.${j}.`;
      const mw = tensor(`${p}conv.modulation.weight`);
      const mb = tensor(`${p}conv.modulation.bias`);
      const cw = tensor(`${p}conv.weight`);
      const ab = tensor(`${p}activate.bias`);
      const ms = 1 / Math.sqrt(D),
        gain = j > 0 ? SQRT2 : 1;
      for (let c = 0; c < C; c++) {
        for (let d = 0; d < D; d++) modWeightT[((j * K + k) * D + d) * C + c] = mw[c * D + d] * ms;
        modBias[(j * K + k) * C + c] = mb[c];
        biasJ[k * C + c] = ab[c];
      }
      for (let o = 0; o < C; o++)
        for (let c = 0; c < C; c++) {
          const v = scaledLocalWeight(cw, o, c, C);
          convSqT[((j * K + k) * C + c) * C + o] = v * v;
          convJ[(k * C + o) * C + c] = v * gain;
        }
    }
    convs.push(convJ);
    biases.push(biasJ);
  }
  return { modWeightT, modBias, convSqT, convs, biases };
}

/** pos_embed applied to the Fourier features, plus the ones row: constant [C+1, P]. */
function positionalInput({ cfg, dims, tensor }: GraphContext): Float32Array {
  const { localChannel: C, localRows: C1, coarsePixels: P } = dims;
  const feats = positionalFeatures(cfg);
  const Q = posChannels(cfg);
  const pw = tensor('pos_embed.weights');
  const pos = new Float32Array(C1 * P);
  pos.fill(1, C * P);
  const ps = 1 / Math.sqrt(Q);
  for (let c = 0; c < C; c++)
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let q = 0; q < Q; q++) s += Math.fround(pw[c * Q + q] * ps) * feats[q * P + p];
      pos[c * P + p] = s;
    }
  return pos;
}

/** to_depth of generators 1..K-1 (generator 0, the background, has none): [K, 1, C+1]. */
function depthWeights({ dims, tensor }: GraphContext): Float32Array {
  const { localChannel: C, localRows: C1, classes: K } = dims;
  const out = new Float32Array(K * C1);
  for (let k = 1; k < K; k++) {
    const p = `local_nets.${k}.to_depth.`;
    out.set(foldModulated1x1(tensor(`${p}conv.modulation`), tensor(`${p}conv.weight`), C, 1), k * C1);
    out[k * C1 + C] = tensor(`${p}bias`)[0];
  }
  return out;
}

export function buildLocalNets(ctx: GraphContext): LocalOutputs {
  const { g, dims } = ctx;
  const { localChannel: C, localRows: C1, classes: K, localLayers: L, coarsePixels: P } = dims;
  const E5 = expandLatent(ctx);

  // Styles and demodulation factors of all layers at once.
  const lw = localLinearWeights(ctx);
  const Sty = g.op1('Add', [
    g.op1('MatMul', [E5, g.constF('mod_wt', lw.modWeightT, [L, K, dims.latent, C])]),
    g.constF('mod_b', lw.modBias, [L, K, 1, C]),
  ]); // [B,L,K,1,C]
  const dsum = g.op1('MatMul', [g.op1('Mul', [Sty, Sty]), g.constF('wsqt', lw.convSqT, [L, K, C, C])]); // [B,L,K,1,O]
  const demod = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [dsum, g.constF('eps', [1e-8], [])])])]);
  const dshape = g.constI64('dshape', [0, K, C, 1]);
  g.macs += L * K * C * dims.latent + L * K * C * C;

  // Hidden features carry an extra constant row of ones (lrelu(1) = 1 keeps it), so every
  // bias of the local stage rides in an extra weight column: no separate Add passes.
  let x = g.constF('pos', positionalInput(ctx), [C1, P]);
  // Batch-sized zeros [B,K,1,1] (0 * the finite composition mask): broadcasting against them gives
  // [B,...] tensors whose batch dim ONNX shape inference still knows as the symbolic 'batch' (an
  // Expand to a runtime shape, or a Reshape with -1, would lose it). ORT needs provably equal shapes
  // to fuse the render net's noise Add into its convs.
  const cm = g.op1('Reshape', ['composition_mask', g.constI64('cshape', [0, K, 1, 1])]);
  const zeroBK = g.op1('Mul', [cm, g.constF('zero', [0], [])]); // [B,K,1,1]
  const onesRow = new Float32Array(C1);
  onesRow[C] = 1;
  const lastRow = g.op1('Add', [zeroBK, g.constF('onesrow', onesRow, [1, 1, 1, C1])]); // [B,K,1,C+1]

  // The K generators batched: x [B,K,C+1,P].
  let depth = '';
  for (let j = 0; j < L; j++) {
    const jIdx = g.constI64('j', [j], []);
    const sj = g.op1('Gather', [Sty, jIdx], { axis: 1 }); // [B,K,1,C]
    const dj = g.op1('Reshape', [g.op1('Gather', [demod, jIdx], { axis: 1 }), dshape]); // [B,K,O,1]
    // per-sample weights [B,K,O,C] = W * s^T * demod (tiny), then one batched MatMul over K
    const Wb = g.op1('Mul', [g.op1('Mul', [g.constF(`lw${j}`, lw.convs[j], [K, C, C]), sj]), dj]);
    const bcol = g.op1('Add', [zeroBK, g.constF(`lb${j}`, lw.biases[j], [1, K, C, 1])]); // [B,K,C,1]
    const Waug = g.op1('Concat', [g.op1('Concat', [Wb, bcol], { axis: 3 }), lastRow], { axis: 2 }); // [B,K,C+1,C+1]
    // Layer 0 reads the constant positional input [C+1, P]: one [B, K(C+1), C+1] x [C+1, P] MatMul
    // (ORT runs the broadcast [B,K,..] x 2-D form as K small GEMMs, ~4x slower at batch 8).
    const y =
      j === 0
        ? g.op1('Reshape', [
            g.op1('MatMul', [g.op1('Reshape', [Waug, g.constI64('w0shape', [0, K * C1, C1])]), x]),
            g.constI64('y0shape', [0, K, C1, P]),
          ])
        : g.op1('MatMul', [Waug, x]);
    x = g.op1('LeakyRelu', [y], LEAK);
    g.macs += K * C * C1 * P;
    if (j === dims.depthLayers - 1) {
      depth = g.op1('MatMul', [g.constF('dw', depthWeights(ctx), [K, 1, C1]), x]); // [B,K,1,P]
      g.macs += K * C1 * P;
    }
  }
  return { hidden: x, depth, compositionMask: cm, zeroBK };
}
