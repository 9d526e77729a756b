// The small typed context every generator-graph module builds on: the ONNX builder, the config's
// dimensions under their spec names, and one reader for g_ema tensors whose shapes come from the
// one tensor list (config.ts expectedTensors).
import { GraphBuilder } from '../onnx-builder.ts';
import { type ConfigWithWidths, type WeightMap, expectedTensors } from '../config.ts';

/** Options of the generator graph (see graph.ts for what each form does). */
export interface GeneratorGraphOptions {
  /** Extra outputs `fused` [B,Cc,S,S], `fusion_weights` [B,K,S,S], `local_feat` [B,K,Cc,S,S]. */
  debugOutputs?: boolean;
  /** How the stride-2 upsampling conv + blur is expressed. Default 'split' (see upsample.ts). */
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
  interleave?: Interleave;
}

export type Interleave = 'transpose' | 'depthtospace';

/** Dimensions of the generator (docs/model/network.md §1 names). */
export interface Dims {
  /** latent width D */
  latent: number;
  /** local_channel C */
  localChannel: number;
  /** C + 1: hidden features carry a constant ones row so biases ride in a weight column */
  localRows: number;
  /** seg_dim K (number of local generators / classes) */
  classes: number;
  /** local_layers L */
  localLayers: number;
  /** depth_layers: the layer after which to_depth reads the hidden features */
  depthLayers: number;
  /** coarse_size S */
  coarseSize: number;
  /** S * S */
  coarsePixels: number;
  /** coarse_channel Cc */
  coarseChannel: number;
}

export interface GraphContext {
  g: GraphBuilder;
  cfg: ConfigWithWidths;
  dims: Dims;
  opts: GeneratorGraphOptions;
  /** A g_ema tensor's values, checked against its shape in expectedTensors(cfg). */
  tensor(name: string): Float32Array;
}

export const SQRT2 = Math.SQRT2;
export const LEAK = { alpha: { float: 0.2 } };

/** Reader of g_ema tensors checked against the expected tensor list. */
export function tensorReader(cfg: ConfigWithWidths, weights: WeightMap): (name: string) => Float32Array {
  const expected = expectedTensors(cfg);
  return (name) => {
    const t = weights.get(name);
    if (!t) throw new Error(`missing tensor ${name}`);
    const shape = expected.get(name);
    if (!shape) throw new Error(`tensor ${name} is not part of the generator`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`tensor ${name} has shape [${t.shape}], expected [${shape}]`);
    }
    return t.data;
  };
}

export function graphContext(
  name: string,
  cfg: ConfigWithWidths,
  weights: WeightMap,
  opts: GeneratorGraphOptions = {},
): GraphContext {
  const C = cfg.local_channel;
  return {
    g: new GraphBuilder(name),
    cfg,
    opts,
    tensor: tensorReader(cfg, weights),
    dims: {
      latent: cfg.latent,
      localChannel: C,
      localRows: C + 1,
      classes: cfg.seg_dim,
      localLayers: cfg.local_layers,
      depthLayers: cfg.depth_layers,
      coarseSize: cfg.coarse_size,
      coarsePixels: cfg.coarse_size * cfg.coarse_size,
      coarseChannel: cfg.coarse_channel,
    },
  };
}
