// Builds the mapping and generator ONNX graphs from a g_ema state dict (docs/model/network.md).
// All weight-only arithmetic (equalised-lr scales, modulation + demodulation of the fixed convs,
// the positional input through pos_embed, the lrelu gain sqrt(2)) is folded at build time
// (graph/folds.ts). One module per part of the checkpoint's tree: graph/mapping.ts (style.*),
// graph/local.ts (local_nets.*, pos_embed), graph/fusion.ts (to_feat, the coarse mask),
// graph/render.ts (render_net.*), graph/upsample.ts (the upsampling forms).
import { type ConfigWithWidths, type WeightMap, expectedTensors } from './config.ts';
import { type GeneratorGraphOptions, graphContext } from './graph/context.ts';
import { buildFusion } from './graph/fusion.ts';
import { buildLocalNets } from './graph/local.ts';
import { buildMapping } from './graph/mapping.ts';
import { buildRenderNet } from './graph/render.ts';

export type { GeneratorGraphOptions } from './graph/context.ts';
export { expandedRow, positionalFeatures } from './graph/local.ts';
export { NOISE_TAG } from './graph/render.ts';

export interface BuiltGraph {
  bytes: Uint8Array;
  /** Multiply-accumulates per image of convs/matmuls (FLOPs = 2 * macs). */
  macsPerImage: number;
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
  const ctx = graphContext('ssg_mapping', cfg, weights);
  ctx.g.output(buildMapping(ctx), 'w');
  const D = cfg.latent;
  return {
    bytes: ctx.g.encode([{ name: 'z', dims: ['batch', D] }], [{ name: 'w', dims: ['batch', D] }]),
    macsPerImage: ctx.g.macs,
  };
}

export function buildGeneratorGraph(
  cfg: ConfigWithWidths,
  weights: WeightMap,
  opts: GeneratorGraphOptions = {},
): BuiltGraph {
  if (cfg.depth_layers < 1) throw new Error('depth_layers must be >= 1');
  const ctx = graphContext('ssg_generator', cfg, weights, opts);
  const { g, dims } = ctx;
  const { classes: K, coarseSize: S, coarseChannel: Cc } = dims;
  const local = buildLocalNets(ctx);
  const fusion = buildFusion(ctx, local);
  const out = buildRenderNet(ctx, fusion, local.zeroBK);
  const NO = 3 + K;
  const ax1 = fusion.axis1;
  const image = g.op1('Slice', [out, g.constI64('s0', [0]), g.constI64('e3', [3]), ax1]);
  const segmentation = g.op1('Slice', [out, g.constI64('s3', [3]), g.constI64('eN', [NO]), ax1]);
  g.output(image, 'image');
  g.output(segmentation, 'segmentation');
  const H = cfg.size;
  const outputs: Array<{ name: string; dims: Array<number | string> }> = [
    { name: 'coarse', dims: ['batch', K, S, S] },
    { name: 'depth', dims: ['batch', K, S, S] },
  ];
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
      { name: 'latent', dims: ['batch', 'rows', cfg.latent] },
      { name: 'composition_mask', dims: ['batch', K] },
    ],
    outputs,
  );
  return { bytes, macsPerImage: g.macs };
}
