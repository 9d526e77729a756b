// The model runtime's public contract. Everything outside src/inference (domain, jobs,
// resolvers, CLI) talks to the model through these types only.

/** One semantic class of the model (one local generator). */
export interface ModelComponent {
  index: number;
  name: string;
  transparent: boolean;
  /** RGB, 0..255, used for the coloured segmentation PNG. */
  color: [number, number, number];
}

/** The generator's hyper-parameters (a checkpoint's `args`, see docs/model/network.md §1). */
export interface GeneratorConfig {
  size: number;
  latent: number;
  n_mlp: number;
  channel_multiplier: number;
  seg_dim: number;
  local_layers: number;
  base_layers: number;
  depth_layers: number;
  local_channel: number;
  coarse_channel: number;
  coarse_size: number;
  min_feat_size: number;
  residual_refine: boolean;
  transparent_dims: number[];
}

/** W+ layout: rows 0..baseLayers-1 coarse, then (shape, texture) per component. */
export interface LatentLayout {
  /** n_latent = base_layers + 2K */
  nLatent: number;
  /** D */
  dim: number;
  baseLayers: number;
  numComponents: number;
}

/** What a loaded model tells the rest of the system. */
export interface ModelInfo {
  /** Stable id: sha256 prefix of the source weights' hash + config (manifest.ts modelId); kept across builder versions. */
  id: string;
  name: string;
  resolution: number;
  /** True for the seeded demo model with random weights. */
  untrained: boolean;
  config: GeneratorConfig;
  layout: LatentLayout;
  components: ModelComponent[];
}

export type ComponentPart = 'SHAPE' | 'TEXTURE' | 'BOTH';

/**
 * FULL: the generator's own output. PREVIEW: the render net stopped at a lower level (its to-RGB
 * and to-seg outputs there, see preview-graph.ts): a smaller, much cheaper image that approximates
 * the full render downsized but is not a faithful down-sized copy of it.
 */
export type RenderQuality = 'PREVIEW' | 'FULL';

export interface RenderRequest {
  /** W+ codes, float32 `[nLatent * dim]`, row-major. */
  latent: Float32Array;
  /** Optional 0/1 per component; omitted = all components present. */
  compositionMask?: ArrayLike<number>;
  /** Default FULL. */
  quality?: RenderQuality;
}

export interface RenderResult {
  width: number;
  height: number;
  /** RGB PNG of the image, clamp(x,-1,1)*127.5+127.5. */
  imagePng: Buffer;
  /** Coloured argmax of the refined segmentation logits, using the components' colours. */
  segmentationPng: Buffer;
  /** Coarse mask `[K, S, S]` float32 (2m - 1). */
  coarseMask: Float32Array;
  /** Side S of the coarse mask and depth maps. */
  coarseSize: number;
  /** One grayscale PNG per component (index order), pseudo-depth normalised for display. */
  depthPngs: Buffer[];
}
