// The render net (spec §3): per level a 2x upsampling fixed conv and a plain fixed conv, each with
// noise + LeakyRelu, then to-RGB and to-seg as one 1x1 conv added onto the upsampled skip.
import { renderLevels, renderWidth } from '../config.ts';
import { type GraphContext, LEAK, SQRT2 } from './context.ts';
import { foldFixedConv3x3, foldModulated1x1 } from './folds.ts';
import type { FusionOutputs } from './fusion.ts';
import { skipUpsample, upsampleConv } from './upsample.ts';

/** Name prefix of the render-net noise nodes (conv of the noise map, Add, LeakyRelu). */
export const NOISE_TAG = 'ssg_noise_';

/** Builds lrelu(y + noise) nodes; y already has its bias. See GeneratorGraphOptions.fuseNoise. */
function noiseActivation(ctx: GraphContext, zeroBK: string, axis1: string) {
  const { g, opts } = ctx;
  let zeroB1: string | undefined;
  return (y: string, noise: string, O: number): string => {
    if (opts.fuseNoise === false) return g.op1('LeakyRelu', [g.op1('Add', [y, noise])], LEAK);
    zeroB1 ??= g.op1('Slice', [zeroBK, g.constI64('z0', [0]), g.constI64('z1', [1]), axis1]); // [B,1,1,1]
    const nzB = g.op1('Add', [noise, zeroB1]); // [B,1,H,W]
    const ones = g.constF('nzw', new Float32Array(O).fill(1), [O, 1, 1, 1]);
    // Tagged for fuseNoiseForCpu (cpu-fusion.ts): the three nodes become one FusedConv.
    const nz = g.op1('Conv', [nzB, ones], { kernel_shape: [1, 1] }, `${NOISE_TAG}conv`); // [B,O,H,W]
    const sum = g.op1('Add', [y, nz], {}, `${NOISE_TAG}add`);
    return g.op1('LeakyRelu', [sum], LEAK, `${NOISE_TAG}lrelu`);
  };
}

/** render_net.convs.{index}: folded weight, bias and the noise map scaled by its strength. */
function fixedConv(ctx: GraphContext, index: number, outC: number, inScale: Float32Array) {
  const { g, tensor } = ctx;
  const p = `render_net.convs.${index}.`;
  const weight = foldFixedConv3x3(tensor(`${p}weight`), tensor(`${p}modulation`), outC, inScale.length, inScale);
  const strength = tensor(`${p}noise.weight`)[0];
  const noiseName = `render_net.noises.noise_${index}`;
  const noiseMap = Float32Array.from(tensor(noiseName), (v) => v * strength);
  const side = Math.sqrt(noiseMap.length);
  return { weight, bias: tensor(`${p}activate.bias`), noise: g.constF('noise', noiseMap, [1, 1, side, side]) };
}

/** to_rgbs.{level} and to_segs.{level} as one 1x1 conv [3+K, O]. */
function outputConv(ctx: GraphContext, level: number, O: number) {
  const K = ctx.dims.classes;
  const weight = new Float32Array((3 + K) * O),
    bias = new Float32Array(3 + K);
  for (const [name, offset, n] of [
    ['to_rgbs', 0, 3],
    ['to_segs', 3, K],
  ] as const) {
    const p = `render_net.${name}.${level}.`;
    weight.set(foldModulated1x1(ctx.tensor(`${p}conv.modulation`), ctx.tensor(`${p}conv.weight`), O, n), offset * O);
    bias.set(ctx.tensor(`${p}bias`), offset);
  }
  return { weight, bias };
}

/** The render net over the fused features; returns the [B, 3+K, H, W] output (RGB then segmentation). */
export function buildRenderNet(ctx: GraphContext, fusion: FusionOutputs, zeroBK: string): string {
  const { g, cfg, dims, opts } = ctx;
  const { coarseSize: S, coarseChannel: Cc } = dims;
  const NO = 3 + dims.classes;
  const activate = noiseActivation(ctx, zeroBK, fusion.axis1);
  const minS = cfg.min_feat_size;
  let r = fusion.fused;
  let rScale = new Float32Array(Cc).fill(1);
  if (S !== minS) {
    const f = S / minS;
    r = g.op1('AveragePool', [fusion.fused], { kernel_shape: [f, f], strides: [f, f] });
  }
  let out = '';
  const interleave = opts.interleave ?? 'transpose';
  for (let i = 0; i < renderLevels(cfg); i++) {
    const sideIn = minS * 2 ** i,
      side = sideIn * 2;
    const O = renderWidth(cfg, side);
    if (sideIn === S) {
      // The fused features enter again at their own resolution (unscaled).
      r = g.op1('Concat', [r, fusion.fused], { axis: 1 });
      const ns = new Float32Array(rScale.length + Cc).fill(1);
      ns.set(rScale);
      rScale = ns;
    }
    const cin = rScale.length;
    const up = fixedConv(ctx, 2 * i, O, rScale);
    const conv = { weight: up.weight, bias: up.bias, outC: O, inC: cin, sideIn, level: i };
    const upsampled = upsampleConv(g, r, conv, opts.upsample ?? 'split', interleave);
    g.macs += upsampled.macs;
    r = activate(upsampled.y, up.noise, O);

    const plain = fixedConv(ctx, 2 * i + 1, O, new Float32Array(O).fill(SQRT2));
    const y = g.op1(
      'Conv',
      [r, g.constF(`c${2 * i + 1}`, plain.weight, [O, O, 3, 3]), g.constF(`b${2 * i + 1}`, plain.bias, [O])],
      { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    );
    g.macs += O * O * 9 * side * side;
    r = activate(y, plain.noise, O);
    rScale = new Float32Array(O).fill(SQRT2);

    const toOut = outputConv(ctx, i, O);
    let o = g.op1('Conv', [r, g.constF(`to${i}`, toOut.weight, [NO, O, 1, 1]), g.constF(`tob${i}`, toOut.bias, [NO])], {
      kernel_shape: [1, 1],
    });
    g.macs += NO * O * side * side;
    if (i > 0) {
      o = g.op1('Add', [o, skipUpsample(g, out, NO, sideIn, interleave)]);
      g.macs += NO * 9 * 4 * sideIn * sideIn;
    }
    if (cfg.residual_refine && side === S) {
      // residual_refine: the coarse mask is added onto the segmentation logits at side S.
      o = g.op1('Add', [o, g.op1('Pad', [fusion.coarse, g.constI64('pads', [0, 3, 0, 0, 0, 0, 0, 0])])]);
    }
    out = o;
  }
  return out;
}
