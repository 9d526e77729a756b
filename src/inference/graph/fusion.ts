// Fusion (spec §3): the softmax of the pseudo-depths masked by the composition mask gives the
// coarse mask; with transparent classes renormalised, its weights sum the local features.
import type { GraphContext } from './context.ts';
import { foldModulated1x1 } from './folds.ts';
import type { LocalOutputs } from './local.ts';

export interface FusionOutputs {
  /** Fused feature map F [B, Cc, S, S]. */
  fused: string;
  /** Coarse mask 2m - 1 [B, K, S, S] (also the graph output `coarse`). */
  coarse: string;
  /** Constant axis [1] (shared with the render net). */
  axis1: string;
}

/** x / (sum_k x + eps) over the class axis. */
function normaliseOverClasses({ g }: GraphContext, x: string, axis1: string): string {
  return g.op1('Div', [
    x,
    g.op1('Add', [g.op1('ReduceSum', [x, axis1], { keepdims: 1 }), g.constF('eps', [1e-8], [])]),
  ]);
}

/** to_feat of every generator folded, with its bias as the extra column: [k][o][C+1]. */
function featureWeights({ dims, tensor }: GraphContext): Float32Array[] {
  const { localChannel: C, localRows: C1, classes: K, coarseChannel: Cc } = dims;
  const perClass: Float32Array[] = [];
  for (let k = 0; k < K; k++) {
    const p = `local_nets.${k}.to_feat.`;
    const folded = foldModulated1x1(tensor(`${p}conv.modulation`), tensor(`${p}conv.weight`), C, Cc);
    const bias = tensor(`${p}bias`);
    const wk = new Float32Array(Cc * C1);
    for (let o = 0; o < Cc; o++) {
      wk.set(folded.subarray(o * C, (o + 1) * C), o * C1);
      wk[o * C1 + C] = bias[o];
    }
    perClass.push(wk);
  }
  return perClass;
}

export function buildFusion(ctx: GraphContext, local: LocalOutputs): FusionOutputs {
  const { g, cfg, dims } = ctx;
  const { localRows: C1, classes: K, coarseSize: S, coarsePixels: P, coarseChannel: Cc } = dims;
  let m = g.op1('Softmax', [local.depth], { axis: 1 }); // [B,K,1,P]
  const axis1 = g.constI64('ax1', [1]);
  m = normaliseOverClasses(ctx, g.op1('Mul', [m, local.compositionMask]), axis1);
  const coarse = g.op1('Sub', [g.op1('Mul', [m, g.constF('two', [2], [])]), g.constF('one', [1], [])]);
  const shape4 = g.constI64('s4', [0, K, S, S]);
  const coarse4 = g.op1('Reshape', [coarse, shape4]);
  g.output(coarse4, 'coarse');
  g.output(g.op1('Reshape', [local.depth, shape4]), 'depth');
  // Transparent classes keep their own weight; the others are renormalised without them.
  let weights = m;
  if (cfg.transparent_dims.length > 0) {
    const opaque = new Float32Array(K).fill(1),
      transparent = new Float32Array(K);
    for (const t of cfg.transparent_dims) {
      opaque[t] = 0;
      transparent[t] = 1;
    }
    const mOpaque = g.op1('Mul', [m, g.constF('nt', opaque, [1, K, 1, 1])]);
    const renorm = normaliseOverClasses(ctx, mOpaque, axis1);
    weights = g.op1('Add', [renorm, g.op1('Mul', [m, g.constF('tt', transparent, [1, K, 1, 1])])]);
  }
  const perClass = featureWeights(ctx);
  const featW = new Float32Array(Cc * K * C1); // [o][k][C+1]
  for (let k = 0; k < K; k++)
    for (let o = 0; o < Cc; o++) featW.set(perClass[k].subarray(o * C1, (o + 1) * C1), (o * K + k) * C1);
  // F = sum_k w_k (Wf_k h_k + b_k) = [Wf | b] over the weight-scaled hidden features (ones row -> w_k).
  const xw = g.op1('Reshape', [g.op1('Mul', [local.hidden, weights]), g.constI64('xwshape', [0, K * C1, P])]);
  const Fflat = g.op1('MatMul', [g.constF('feat_w', featW, [Cc, K * C1]), xw]);
  g.macs += Cc * K * C1 * P;
  const F = g.op1('Reshape', [Fflat, g.constI64('fshape', [0, Cc, S, S])]);
  if (ctx.opts.debugOutputs) {
    g.output(F, 'fused');
    g.output(g.op1('Reshape', [weights, shape4]), 'fusion_weights');
    const perClassAll = new Float32Array(K * Cc * C1);
    perClass.forEach((wk, k) => perClassAll.set(wk, k * Cc * C1));
    const lf = g.op1('MatMul', [g.constF('lf_w', perClassAll, [K, Cc, C1]), local.hidden]);
    g.output(g.op1('Reshape', [lf, g.constI64('lfshape', [0, K, Cc, S, S])]), 'local_feat');
  }
  return { fused: F, coarse: coarse4, axis1 };
}
