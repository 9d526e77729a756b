// Builds the mapping and generator ONNX graphs from a g_ema state dict (shared/spec/model.md).
// All weight-only arithmetic (equalised-lr scales, modulation + demodulation of the fixed convs,
// the positional input through pos_embed, the lrelu gain sqrt(2)) is folded at build time.
import { GraphBuilder } from './onnx-builder.ts';
import {
  type ConfigWithWidths,
  type WeightMap,
  expectedTensors,
  log2int,
  posChannels,
  renderLevels,
  renderWidth,
} from './config.ts';

const SQRT2 = Math.SQRT2;

/** Name prefix of the render-net noise nodes (conv of the noise map, Add, LeakyRelu). */
export const NOISE_TAG = 'ssg_noise_';

export interface GeneratorGraphOptions {
  /** Extra outputs `fused` [B,Cc,S,S], `fusion_weights` [B,K,S,S], `local_feat` [B,K,Cc,S,S]. */
  debugOutputs?: boolean;
  /** How the stride-2 upsampling conv + blur is expressed. Default 'split' (see splitUpsampleConv). */
  upsample?: 'convtranspose' | 'phase' | 'split';
  /**
   * Default true: the render-net noise is a 1x1 conv of the [B,1,H,W] noise map (ones weights) added
   * to the conv output, the three nodes tagged NOISE_TAG; on the CPU provider the runtime turns each
   * group into one FusedConv (cpu-fusion.ts), which ORT runs as a single NCHWc conv. Still standard
   * ONNX. false: a broadcast Add of the [1,1,H,W] noise constant, then LeakyRelu.
   */
  fuseNoise?: boolean;
  /**
   * How 2x2 phase planes are interleaved into the 2x upsampled grid: 'transpose' (default) as two
   * Transposes that each move one axis inwards (ORT runs these ~2x faster than its DepthToSpace
   * here), or 'depthtospace'.
   */
  interleave?: 'transpose' | 'depthtospace';
}

export interface BuiltGraph {
  bytes: Uint8Array;
  /** Multiply-accumulates per image of convs/matmuls (FLOPs = 2 * macs). */
  macsPerImage: number;
}

function w(weights: WeightMap, name: string, shape?: number[]): Float32Array {
  const t = weights.get(name);
  if (!t) throw new Error(`missing tensor ${name}`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(`tensor ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return t.data;
}

/** Checks every expected tensor; throws naming the first missing / mis-shaped one. */
export function validateWeights(cfg: ConfigWithWidths, weights: WeightMap): void {
  for (const [name, shape] of expectedTensors(cfg)) {
    const t = weights.get(name);
    if (!t) throw new Error(`checkpoint is missing tensor g_ema.${name} (expected shape [${shape}])`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`checkpoint tensor g_ema.${name} has shape [${t.shape}], expected [${shape}]`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n)
      throw new Error(`checkpoint tensor g_ema.${name} has ${t.data.length} values, expected ${n}`);
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new Error(`checkpoint tensor g_ema.${name} contains non-finite values`);
    }
  }
}

export function buildMappingGraph(cfg: ConfigWithWidths, weights: WeightMap): BuiltGraph {
  const D = cfg.latent;
  const g = new GraphBuilder('ssg_mapping');
  const sq = g.op1('Mul', ['z', 'z']);
  const mean = g.op1('ReduceMean', [sq], { axes: [1], keepdims: 1 });
  const den = g.op1('Sqrt', [g.op1('Add', [mean, g.constF('eps', [1e-8], [])])]);
  let x = g.op1('Div', ['z', den]);
  const lr = 0.01;
  for (let i = 1; i <= cfg.n_mlp; i++) {
    const W = w(weights, `style.${i}.weight`, [D, D]);
    const b = w(weights, `style.${i}.bias`, [D]);
    const scale = (lr / Math.sqrt(D)) * (i > 1 ? SQRT2 : 1);
    const Wt = new Float32Array(D * D); // [in, out]
    for (let o = 0; o < D; o++) for (let k = 0; k < D; k++) Wt[k * D + o] = W[o * D + k] * scale;
    const bb = Float32Array.from(b, (v) => v * lr);
    x = g.op1('Add', [g.op1('MatMul', [x, g.constF(`style${i}_w`, Wt, [D, D])]), g.constF(`style${i}_b`, bb, [D])]);
    x = g.op1('LeakyRelu', [x], { alpha: { float: 0.2 } });
  }
  if (cfg.n_mlp > 0) x = g.op1('Mul', [x, g.constF('gain', [SQRT2], [])]);
  g.output(x, 'w');
  g.macs = cfg.n_mlp * D * D;
  return {
    bytes: g.encode([{ name: 'z', dims: ['batch', D] }], [{ name: 'w', dims: ['batch', D] }]),
    macsPerImage: g.macs,
  };
}

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

function fixedConvWeight(
  weights: WeightMap,
  prefix: string,
  out: number,
  cin: number,
  inScale: Float32Array,
): Float32Array {
  const W = w(weights, `${prefix}weight`, [out, cin, 3, 3]);
  const mod = w(weights, `${prefix}modulation`, [1, cin, 1, 1]);
  const scale = 1 / Math.sqrt(cin * 9);
  const res = new Float32Array(out * cin * 9);
  const tmp = new Float64Array(cin * 9);
  for (let o = 0; o < out; o++) {
    let ss = 0;
    for (let c = 0; c < cin; c++) {
      for (let t = 0; t < 9; t++) {
        const v = Math.fround(Math.fround(mod[c] * scale) * W[(o * cin + c) * 9 + t]);
        tmp[c * 9 + t] = v;
        ss += v * v;
      }
    }
    const d = 1 / Math.sqrt(ss + 1e-8);
    for (let c = 0; c < cin; c++)
      for (let t = 0; t < 9; t++) res[(o * cin + c) * 9 + t] = tmp[c * 9 + t] * d * inScale[c];
  }
  return res;
}

const K1 = [1 / 4, 3 / 4, 3 / 4, 1 / 4]; // 1-D factor of kernel4 * 4

export function buildGeneratorGraph(
  cfg: ConfigWithWidths,
  weights: WeightMap,
  opts: GeneratorGraphOptions = {},
): BuiltGraph {
  const D = cfg.latent,
    C = cfg.local_channel,
    K = cfg.seg_dim,
    L = cfg.local_layers;
  const S = cfg.coarse_size,
    P = S * S,
    Cc = cfg.coarse_channel,
    DL = cfg.depth_layers;
  if (DL < 1) throw new Error('depth_layers must be >= 1');
  const g = new GraphBuilder('ssg_generator');
  let macs = 0;

  // ---- latent expansion: rows idx[j][k] ----
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
  const E5 = g.op1('Unsqueeze', [E, g.constI64('ax3', [3])]); // [B,L,K,1,D]

  // ---- styles and demodulation for all layers at once ----
  const WmT = new Float32Array(L * K * D * C),
    bm = new Float32Array(L * K * C),
    WsqT = new Float32Array(L * K * C * C);
  const Wl: Float32Array[] = [],
    bl: Float32Array[] = [];
  for (let j = 0; j < L; j++) {
    const Wj = new Float32Array(K * C * C),
      bj = new Float32Array(K * C);
    for (let k = 0; k < K; k++) {
      const p = `local_nets.${k}.linears.${j}.`;
      const mw = w(weights, `${p}conv.modulation.weight`, [C, D]);
      const mb = w(weights, `${p}conv.modulation.bias`, [C]);
      const cw = w(weights, `${p}conv.weight`, [1, C, C, 1, 1]);
      const ab = w(weights, `${p}activate.bias`, [C]);
      const ms = 1 / Math.sqrt(D),
        cs = 1 / Math.sqrt(C),
        gain = j > 0 ? SQRT2 : 1;
      for (let c = 0; c < C; c++) {
        for (let d = 0; d < D; d++) WmT[((j * K + k) * D + d) * C + c] = mw[c * D + d] * ms;
        bm[(j * K + k) * C + c] = mb[c];
        bj[k * C + c] = ab[c];
      }
      for (let o = 0; o < C; o++)
        for (let c = 0; c < C; c++) {
          const v = Math.fround(cw[o * C + c] * cs);
          WsqT[((j * K + k) * C + c) * C + o] = v * v;
          Wj[(k * C + o) * C + c] = v * gain;
        }
    }
    Wl.push(Wj);
    bl.push(bj);
  }
  const Sty = g.op1('Add', [
    g.op1('MatMul', [E5, g.constF('mod_wt', WmT, [L, K, D, C])]),
    g.constF('mod_b', bm, [L, K, 1, C]),
  ]); // [B,L,K,1,C]
  const dsum = g.op1('MatMul', [g.op1('Mul', [Sty, Sty]), g.constF('wsqt', WsqT, [L, K, C, C])]); // [B,L,K,1,O]
  const demod = g.op1('Reciprocal', [g.op1('Sqrt', [g.op1('Add', [dsum, g.constF('eps', [1e-8], [])])])]);
  const dshape = g.constI64('dshape', [0, K, C, 1]);
  macs += L * K * C * D + L * K * C * C;

  // ---- positional input constant [C, P] ----
  const feats = positionalFeatures(cfg);
  const Q = posChannels(cfg);
  const pw = w(weights, 'pos_embed.weights', [C, Q, 1, 1]);
  // Hidden features carry an extra constant row of ones (lrelu(1) = 1 keeps it), so every
  // bias of the local stage rides in an extra weight column: no separate Add passes.
  const C1 = C + 1;
  const pos = new Float32Array(C1 * P);
  pos.fill(1, C * P);
  const ps = 1 / Math.sqrt(Q);
  for (let c = 0; c < C; c++)
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let q = 0; q < Q; q++) s += Math.fround(pw[c * Q + q] * ps) * feats[q * P + p];
      pos[c * P + p] = s;
    }
  let x = g.constF('pos', pos, [C1, P]);
  // [B, K, C, 1] / [B, K, 1, C+1] expansion shapes for the bias column and the ones row.
  // Batch-sized zeros [B,K,1,1] (0 * the finite composition mask): broadcasting against them gives
  // [B,...] tensors whose batch dim ONNX shape inference still knows as the symbolic 'batch' (an
  // Expand to a runtime shape, or a Reshape with -1, would lose it). ORT needs provably equal shapes
  // to fuse the render net's noise Add into its convs.
  const cm = g.op1('Reshape', ['composition_mask', g.constI64('cshape', [0, K, 1, 1])]);
  const zeroBK = g.op1('Mul', [cm, g.constF('zero', [0], [])]); // [B,K,1,1]
  const onesRow = new Float32Array(C1);
  onesRow[C] = 1;
  const lastRow = g.op1('Add', [zeroBK, g.constF('onesrow', onesRow, [1, 1, 1, C1])]); // [B,K,1,C+1]

  // ---- local generators, batched over K: x [B,K,C,P] ----
  let depth = '';
  let zeroB1: string | undefined;
  const leak = { alpha: { float: 0.2 } };
  for (let j = 0; j < L; j++) {
    const jIdx = g.constI64('j', [j], []);
    const sj = g.op1('Gather', [Sty, jIdx], { axis: 1 }); // [B,K,1,C]
    const dj = g.op1('Reshape', [g.op1('Gather', [demod, jIdx], { axis: 1 }), dshape]); // [B,K,O,1]
    // per-sample weights [B,K,O,C] = W * s^T * demod (tiny), then one batched MatMul over K
    const Wb = g.op1('Mul', [g.op1('Mul', [g.constF(`lw${j}`, Wl[j], [K, C, C]), sj]), dj]);
    const bcol = g.op1('Add', [zeroBK, g.constF(`lb${j}`, bl[j], [1, K, C, 1])]); // [B,K,C,1]
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
    x = g.op1('LeakyRelu', [y], leak);
    macs += K * C * C1 * P;
    if (j === DL - 1) {
      const Wd = new Float32Array(K * C1);
      for (let k = 1; k < K; k++) {
        const p = `local_nets.${k}.to_depth.`;
        const cw = w(weights, `${p}conv.weight`, [1, C, 1, 1]);
        const mo = w(weights, `${p}conv.modulation`, [1, C, 1, 1]);
        Wd[k * C1 + C] = w(weights, `${p}bias`, [1, 1, 1, 1])[0];
        for (let c = 0; c < C; c++) Wd[k * C1 + c] = Math.fround(mo[c] * (1 / Math.sqrt(C))) * cw[c] * SQRT2;
      }
      depth = g.op1('MatMul', [g.constF('dw', Wd, [K, 1, C1]), x]); // [B,K,1,P]
      macs += K * C1 * P;
    }
  }

  // ---- fusion ----
  let m = g.op1('Softmax', [depth], { axis: 1 }); // [B,K,1,P]
  const ax1 = g.constI64('ax1', [1]);
  const mc = g.op1('Mul', [m, cm]);
  m = g.op1('Div', [mc, g.op1('Add', [g.op1('ReduceSum', [mc, ax1], { keepdims: 1 }), g.constF('eps', [1e-8], [])])]);
  const coarse = g.op1('Sub', [g.op1('Mul', [m, g.constF('two', [2], [])]), g.constF('one', [1], [])]);
  const shape4 = g.constI64('s4', [0, K, S, S]);
  const coarse4 = g.op1('Reshape', [coarse, shape4]);
  g.output(coarse4, 'coarse');
  g.output(g.op1('Reshape', [depth, shape4]), 'depth');
  let wts = m;
  if (cfg.transparent_dims.length > 0) {
    const nt = new Float32Array(K).fill(1),
      tt = new Float32Array(K);
    for (const t of cfg.transparent_dims) {
      nt[t] = 0;
      tt[t] = 1;
    }
    const mnt = g.op1('Mul', [m, g.constF('nt', nt, [1, K, 1, 1])]);
    const mn = g.op1('Div', [
      mnt,
      g.op1('Add', [g.op1('ReduceSum', [mnt, ax1], { keepdims: 1 }), g.constF('eps', [1e-8], [])]),
    ]);
    wts = g.op1('Add', [mn, g.op1('Mul', [m, g.constF('tt', tt, [1, K, 1, 1])])]);
  }
  const Wf = new Float32Array(Cc * K * C1);
  const WfK = new Float32Array(K * Cc * C1);
  for (let k = 0; k < K; k++) {
    const p = `local_nets.${k}.to_feat.`;
    const cw = w(weights, `${p}conv.weight`, [Cc, C, 1, 1]);
    const mo = w(weights, `${p}conv.modulation`, [1, C, 1, 1]);
    const b = w(weights, `${p}bias`, [1, Cc, 1, 1]);
    for (let o = 0; o < Cc; o++) {
      Wf[o * K * C1 + k * C1 + C] = b[o];
      WfK[(k * Cc + o) * C1 + C] = b[o];
      for (let c = 0; c < C; c++) {
        const v = Math.fround(mo[c] * (1 / Math.sqrt(C))) * cw[o * C + c] * SQRT2;
        Wf[o * K * C1 + k * C1 + c] = v;
        WfK[(k * Cc + o) * C1 + c] = v;
      }
    }
  }
  // F = sum_k w_k (Wf_k h_k + b_k) = [Wf | b] over the weight-scaled hidden features (ones row -> w_k).
  const xw = g.op1('Reshape', [g.op1('Mul', [x, wts]), g.constI64('xwshape', [0, K * C1, P])]);
  const Fflat = g.op1('MatMul', [g.constF('feat_w', Wf, [Cc, K * C1]), xw]);
  macs += Cc * K * C1 * P;
  const F = g.op1('Reshape', [Fflat, g.constI64('fshape', [0, Cc, S, S])]);
  if (opts.debugOutputs) {
    g.output(F, 'fused');
    g.output(g.op1('Reshape', [wts, shape4]), 'fusion_weights');
    const lf = g.op1('MatMul', [g.constF('lf_w', WfK, [K, Cc, C1]), x]);
    g.output(g.op1('Reshape', [lf, g.constI64('lfshape', [0, K, Cc, S, S])]), 'local_feat');
  }

  // ---- render net ----
  const minS = cfg.min_feat_size;
  let r = F;
  let rScale = new Float32Array(Cc).fill(1);
  if (S !== minS) {
    const f = S / minS;
    r = g.op1('AveragePool', [F], { kernel_shape: [f, f], strides: [f, f] });
  }
  const NO = 3 + K;
  let out = '';
  const levels = renderLevels(cfg);
  const blurW = new Float32Array(16);
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) blurW[a * 4 + b] = K1[a] * K1[b];
  for (let i = 0; i < levels; i++) {
    const sideIn = minS * 2 ** i,
      side = sideIn * 2;
    const O = renderWidth(cfg, side);
    if (sideIn === S) {
      r = g.op1('Concat', [r, F], { axis: 1 });
      const ns = new Float32Array(rScale.length + Cc).fill(1);
      ns.set(rScale);
      rScale = ns;
    }
    const cin = rScale.length;
    // upsampling fixed conv
    const p0 = `render_net.convs.${2 * i}.`;
    const W0 = fixedConvWeight(weights, p0, O, cin, rScale);
    const b0 = w(weights, `${p0}activate.bias`, [O]);
    const nz0 = noiseConst(weights, `render_net.noises.noise_${2 * i}`, w(weights, `${p0}noise.weight`, [1])[0], side);
    let y: string;
    const mode = opts.upsample ?? 'split';
    const il = opts.interleave ?? 'transpose';
    if (mode === 'split') {
      y = splitUpsampleConv(g, r, W0, b0, O, cin, blurW, sideIn + 1, il);
      macs += O * cin * 9 * (sideIn + 1) * (sideIn + 1) + O * 16 * side * side;
    } else if (mode === 'phase') {
      y = phaseUpsampleConv(g, r, W0, b0, O, cin, sideIn);
      macs += O * cin * 9 * sideIn * sideIn * 4;
    } else {
      const Wt = new Float32Array(cin * O * 9); // [cin, O, 3, 3]
      for (let o = 0; o < O; o++)
        for (let c = 0; c < cin; c++) for (let t = 0; t < 9; t++) Wt[(c * O + o) * 9 + t] = W0[(o * cin + c) * 9 + t];
      y = g.op1('ConvTranspose', [r, g.constF(`ct${i}`, Wt, [cin, O, 3, 3])], {
        strides: [2, 2],
        kernel_shape: [3, 3],
      });
      const bw = new Float32Array(O * 16);
      for (let o = 0; o < O; o++) bw.set(blurW, o * 16);
      y = g.op1('Conv', [y, g.constF(`blur${i}`, bw, [O, 1, 4, 4]), g.constF(`b${2 * i}`, b0, [O])], {
        group: O,
        kernel_shape: [4, 4],
        pads: [1, 1, 1, 1],
      });
      macs += O * cin * 9 * sideIn * sideIn + O * 16 * side * side;
    }
    r = noiseLrelu(y, nz0, O);
    // plain fixed conv
    const p1 = `render_net.convs.${2 * i + 1}.`;
    const W1 = fixedConvWeight(weights, p1, O, O, new Float32Array(O).fill(SQRT2));
    const b1 = w(weights, `${p1}activate.bias`, [O]);
    const nz1 = noiseConst(
      weights,
      `render_net.noises.noise_${2 * i + 1}`,
      w(weights, `${p1}noise.weight`, [1])[0],
      side,
    );
    y = g.op1('Conv', [r, g.constF(`c${2 * i + 1}`, W1, [O, O, 3, 3]), g.constF(`b${2 * i + 1}`, b1, [O])], {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
    });
    macs += O * O * 9 * side * side;
    r = noiseLrelu(y, nz1, O);
    rScale = new Float32Array(O).fill(SQRT2);
    // toRGB + toSeg as one 1x1 conv
    const Wo = new Float32Array(NO * O),
      bo = new Float32Array(NO);
    for (const [nm, off, n] of [
      ['to_rgbs', 0, 3],
      ['to_segs', 3, K],
    ] as const) {
      const p = `render_net.${nm}.${i}.`;
      const cw = w(weights, `${p}conv.weight`, [n, O, 1, 1]);
      const mo = w(weights, `${p}conv.modulation`, [1, O, 1, 1]);
      const b = w(weights, `${p}bias`, [1, n, 1, 1]);
      for (let o = 0; o < n; o++) {
        bo[off + o] = b[o];
        for (let c = 0; c < O; c++)
          Wo[(off + o) * O + c] = Math.fround(mo[c] * (1 / Math.sqrt(O))) * cw[o * O + c] * SQRT2;
      }
    }
    let o = g.op1('Conv', [r, g.constF(`to${i}`, Wo, [NO, O, 1, 1]), g.constF(`tob${i}`, bo, [NO])], {
      kernel_shape: [1, 1],
    });
    macs += NO * O * side * side;
    if (i > 0) {
      o = g.op1('Add', [o, skipUpsample(g, out, NO, sideIn, opts.interleave ?? 'transpose')]);
      macs += NO * 9 * 4 * sideIn * sideIn;
    }
    if (cfg.residual_refine && side === S) {
      o = g.op1('Add', [o, g.op1('Pad', [coarse4, g.constI64('pads', [0, 3, 0, 0, 0, 0, 0, 0])])]);
    }
    out = o;
  }
  const img = g.op1('Slice', [out, g.constI64('s0', [0]), g.constI64('e3', [3]), ax1]);
  const seg = g.op1('Slice', [out, g.constI64('s3', [3]), g.constI64('eN', [NO]), ax1]);
  g.output(img, 'image');
  g.output(seg, 'segmentation');
  const H = cfg.size;
  const outputs = [
    { name: 'coarse', dims: ['batch', K, S, S] },
    { name: 'depth', dims: ['batch', K, S, S] },
  ] as Array<{ name: string; dims: Array<number | string> }>;
  if (opts.debugOutputs) {
    outputs.push(
      { name: 'fused', dims: ['batch', Cc, S, S] },
      { name: 'fusion_weights', dims: ['batch', K, S, S] },
      { name: 'local_feat', dims: ['batch', K, Cc, S, S] },
    );
  }
  outputs.push({ name: 'image', dims: ['batch', 3, H, H] }, { name: 'segmentation', dims: ['batch', K, H, H] });
  const bytes = g.encode(
    [
      { name: 'latent', dims: ['batch', 'rows', D] },
      { name: 'composition_mask', dims: ['batch', K] },
    ],
    outputs,
  );
  return { bytes, macsPerImage: macs };

  /** lrelu(y + noise) (y already has its bias); see GeneratorGraphOptions.fuseNoise. */
  function noiseLrelu(y: string, noise: string, O: number): string {
    if (opts.fuseNoise === false) return g.op1('LeakyRelu', [g.op1('Add', [y, noise])], leak);
    zeroB1 ??= g.op1('Slice', [zeroBK, g.constI64('z0', [0]), g.constI64('z1', [1]), ax1]); // [B,1,1,1]
    const nzB = g.op1('Add', [noise, zeroB1]); // [B,1,H,W]
    const ones = g.constF('nzw', new Float32Array(O).fill(1), [O, 1, 1, 1]);
    // Tagged for fuseNoiseForCpu (cpu-fusion.ts): the three nodes become one FusedConv.
    const nz = g.op1('Conv', [nzB, ones], { kernel_shape: [1, 1] }, `${NOISE_TAG}conv`); // [B,O,H,W]
    const sum = g.op1('Add', [y, nz], {}, `${NOISE_TAG}add`);
    return g.op1('LeakyRelu', [sum], leak, `${NOISE_TAG}lrelu`);
  }

  function noiseConst(ws: WeightMap, name: string, nw: number, side: number): string {
    const nz = w(ws, name, [1, 1, side, side]);
    return g.constF(
      'noise',
      Float32Array.from(nz, (v) => v * nw),
      [1, 1, side, side],
    );
  }
}

/** upfirdn2d(x, kernel4*4, up 2, pad (2,1)) per channel as a polyphase depthwise conv + DepthToSpace. */
function skipUpsample(g: GraphBuilder, x: string, N: number, side: number, il: Interleave): string {
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

type Interleave = 'transpose' | 'depthtospace';

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

/**
 * Transposed conv (stride 2, 3x3) followed by the 4x4 blur, as one 3x3 conv on the low-res input
 * producing the four output phases, then DepthToSpace (4x the GEMM work of the transposed conv).
 */
function phaseUpsampleConv(
  g: GraphBuilder,
  x: string,
  W: Float32Array,
  bias: Float32Array,
  O: number,
  cin: number,
  _side: number,
): string {
  // 1-D composite filter g[jj], jj = n - 2i in [-2, 3]: sum over u (convT tap) and m (blur tap) with u - m + 1 = jj.
  // Per phase p (n = 2a + p) and input offset t in {-1,0,1} (i = a + t): jj = p - 2t.
  const Wp = new Float32Array(O * 4 * cin * 9);
  const comp = (u: number, jj: number) => {
    const mm = u + 1 - jj;
    return mm >= 0 && mm < 4 ? K1[mm] : 0;
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
function splitUpsampleConv(
  g: GraphBuilder,
  x: string,
  W: Float32Array,
  bias: Float32Array,
  O: number,
  cin: number,
  blurW: Float32Array,
  h: number,
  il: Interleave,
): string {
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
  const t = interleave2x2(g, cat, O, h, 'DCR', il);
  const bw = new Float32Array(O * 16);
  for (let o = 0; o < O; o++) bw.set(blurW, o * 16);
  return g.op1('Conv', [t, g.constF('blurw', bw, [O, 1, 4, 4]), g.constF('blurb', bias, [O])], {
    group: O,
    kernel_shape: [4, 4],
    pads: [1, 1, 0, 0],
  });
}
