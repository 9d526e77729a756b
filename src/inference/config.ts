// Generator hyper-parameters, latent layout, class tables and the expected checkpoint
// tensor list (docs/model/network.md §1-§4).
import type { GeneratorConfig, LatentLayout, ModelComponent } from './types.ts';

export const DEFAULT_CONFIG: GeneratorConfig = {
  size: 256,
  latent: 512,
  n_mlp: 8,
  channel_multiplier: 2,
  seg_dim: 13,
  local_layers: 10,
  base_layers: 2,
  depth_layers: 6,
  local_channel: 64,
  coarse_channel: 512,
  coarse_size: 64,
  min_feat_size: 16,
  residual_refine: true,
  transparent_dims: [10, 12],
};

export const CELEBA_CLASSES: Array<[string, [number, number, number]]> = [
  ['background', [0, 0, 0]],
  ['face', [239, 234, 90]],
  ['eyes', [44, 105, 154]],
  ['eyebrows', [4, 139, 168]],
  ['mouth', [13, 179, 158]],
  ['nose', [131, 227, 119]],
  ['ears', [185, 231, 105]],
  ['hair', [107, 137, 198]],
  ['neck', [241, 196, 83]],
  ['cloth', [242, 158, 76]],
  ['eyeglasses', [234, 114, 71]],
  ['hat', [215, 95, 155]],
  ['earrings', [207, 113, 192]],
];

/** Optional extension of GeneratorConfig: explicit render-net widths by side. */
export type ConfigWithWidths = GeneratorConfig & { widths?: Record<string, number> };

export function renderWidth(cfg: ConfigWithWidths, side: number): number {
  const o = cfg.widths?.[String(side)];
  if (o !== undefined) return o;
  const cm = cfg.channel_multiplier;
  const table: Record<number, number> = {
    4: 512,
    8: 512,
    16: 512,
    32: 512,
    64: 256 * cm,
    128: 128 * cm,
    256: 64 * cm,
    512: 32 * cm,
    1024: 16 * cm,
  };
  const w = table[side];
  if (w === undefined) throw new Error(`no render width for side ${side}`);
  return w;
}

export function latentLayout(cfg: GeneratorConfig): LatentLayout {
  return {
    nLatent: cfg.base_layers + 2 * cfg.seg_dim,
    dim: cfg.latent,
    baseLayers: cfg.base_layers,
    numComponents: cfg.seg_dim,
  };
}

export function log2int(n: number): number {
  const l = Math.round(Math.log2(n));
  if (2 ** l !== n) throw new Error(`${n} is not a power of two`);
  return l;
}

export function validateConfig(cfg: ConfigWithWidths): void {
  const ints: Array<keyof GeneratorConfig> = [
    'size',
    'latent',
    'n_mlp',
    'channel_multiplier',
    'seg_dim',
    'local_layers',
    'base_layers',
    'depth_layers',
    'local_channel',
    'coarse_channel',
    'coarse_size',
    'min_feat_size',
  ];
  for (const k of ints) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw new Error(`config.${k} must be a non-negative integer (got ${String(v)})`);
  }
  log2int(cfg.size);
  log2int(cfg.coarse_size);
  log2int(cfg.min_feat_size);
  if (cfg.depth_layers > cfg.local_layers) throw new Error('config.depth_layers > local_layers');
  if (cfg.base_layers > cfg.depth_layers) throw new Error('config.base_layers > depth_layers');
  if (!(cfg.coarse_size < cfg.size)) throw new Error('config.coarse_size must be < size');
  if (!(cfg.min_feat_size < cfg.coarse_size)) throw new Error('config.min_feat_size must be < coarse_size');
  if (cfg.seg_dim < 1) throw new Error('config.seg_dim must be >= 1');
  for (const t of cfg.transparent_dims)
    if (!(t >= 0 && t < cfg.seg_dim)) throw new Error(`transparent dim ${t} out of range`);
}

export function componentsFor(cfg: GeneratorConfig): ModelComponent[] {
  const out: ModelComponent[] = [];
  for (let k = 0; k < cfg.seg_dim; k++) {
    const celeb = cfg.seg_dim === 13 ? CELEBA_CLASSES[k] : undefined;
    out.push({
      index: k,
      name: celeb ? celeb[0] : `class_${k}`,
      transparent: cfg.transparent_dims.includes(k),
      color: celeb ? [...celeb[1]] : defaultColor(k),
    });
  }
  return out;
}

function defaultColor(k: number): [number, number, number] {
  if (k === 0) return [0, 0, 0];
  // Golden-angle hues, fixed saturation/value.
  const h = (k * 137.508) % 360;
  const s = 0.65,
    v = 0.9;
  const c = v * s,
    x = c * (1 - Math.abs(((h / 60) % 2) - 1)),
    m = v - c;
  const [r, g, b] =
    h < 60
      ? [c, x, 0]
      : h < 120
        ? [x, c, 0]
        : h < 180
          ? [0, c, x]
          : h < 240
            ? [0, x, c]
            : h < 300
              ? [x, 0, c]
              : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Number of Fourier position channels: 2 * (2L + 1), L = log2(size). */
export function posChannels(cfg: GeneratorConfig): number {
  return 2 * (2 * log2int(cfg.size) + 1);
}

/** Number of render-net levels. */
export function renderLevels(cfg: GeneratorConfig): number {
  return log2int(cfg.size) - log2int(cfg.min_feat_size);
}

/**
 * Every tensor of g_ema the runtime reads, with its shape. Buffers that are pure constants
 * of the architecture (blur/upsample kernels) are not required.
 */
export function expectedTensors(cfg: ConfigWithWidths): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const D = cfg.latent,
    C = cfg.local_channel,
    K = cfg.seg_dim;
  for (let i = 1; i <= cfg.n_mlp; i++) {
    m.set(`style.${i}.weight`, [D, D]);
    m.set(`style.${i}.bias`, [D]);
  }
  m.set('pos_embed.weights', [C, posChannels(cfg), 1, 1]);
  for (let k = 0; k < K; k++) {
    const p = `local_nets.${k}.`;
    for (let j = 0; j < cfg.local_layers; j++) {
      const q = `${p}linears.${j}.`;
      m.set(`${q}conv.weight`, [1, C, C, 1, 1]);
      m.set(`${q}conv.modulation.weight`, [C, D]);
      m.set(`${q}conv.modulation.bias`, [C]);
      m.set(`${q}activate.bias`, [C]);
    }
    m.set(`${p}to_feat.conv.weight`, [cfg.coarse_channel, C, 1, 1]);
    m.set(`${p}to_feat.conv.modulation`, [1, C, 1, 1]);
    m.set(`${p}to_feat.bias`, [1, cfg.coarse_channel, 1, 1]);
    if (k > 0) {
      m.set(`${p}to_depth.conv.weight`, [1, C, 1, 1]);
      m.set(`${p}to_depth.conv.modulation`, [1, C, 1, 1]);
      m.set(`${p}to_depth.bias`, [1, 1, 1, 1]);
    }
  }
  let inC = cfg.coarse_channel;
  for (let i = 0; i < renderLevels(cfg); i++) {
    const side = cfg.min_feat_size * 2 ** (i + 1);
    const out = renderWidth(cfg, side);
    if (side / 2 === cfg.coarse_size) inC += cfg.coarse_channel;
    for (const [ci, cin] of [
      [2 * i, inC],
      [2 * i + 1, out],
    ] as const) {
      const p = `render_net.convs.${ci}.`;
      m.set(`${p}weight`, [out, cin, 3, 3]);
      m.set(`${p}modulation`, [1, cin, 1, 1]);
      m.set(`${p}noise.weight`, [1]);
      m.set(`${p}activate.bias`, [out]);
      m.set(`render_net.noises.noise_${ci}`, [1, 1, side, side]);
    }
    for (const [name, oc] of [
      ['to_rgbs', 3],
      ['to_segs', K],
    ] as const) {
      const p = `render_net.${name}.${i}.`;
      m.set(`${p}conv.weight`, [oc, out, 1, 1]);
      m.set(`${p}conv.modulation`, [1, out, 1, 1]);
      m.set(`${p}bias`, [1, oc, 1, 1]);
    }
    inC = out;
  }
  return m;
}

export interface Tensor {
  shape: number[];
  data: Float32Array;
}
export type WeightMap = Map<string, Tensor>;
