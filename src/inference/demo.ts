// The seeded, untrained demo model (small: fast on two CPU cores).
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type ConfigWithWidths, type WeightMap, expectedTensors } from './config.ts';
import { BUILDER_VERSION, writeModelDir } from './model-dir.ts';
import { readManifest } from './manifest.ts';
import { Rng } from './rng.ts';
import { REQUIRED_GRAPHS } from './model-files.ts';

export const DEMO_SEED = 20220601;

// The authors' defaults, made small enough to run fast on two CPU cores.
export const DEMO_CONFIG: ConfigWithWidths = {
  ...DEFAULT_CONFIG,
  size: 128,
  local_channel: 16,
  coarse_channel: 32,
  coarse_size: 32,
  min_feat_size: 8,
  widths: { '16': 64, '32': 64, '64': 32, '128': 16 },
};

/**
 * Random weights in the authors' layout and initialisation style (weights ~ N(0,1), mapping
 * weights N(0,1)/lr_mul, modulation ~ 1), plus small random biases/noise strengths so the
 * untrained output is not flat. Deterministic: one Rng stream in expectedTensors() order.
 */
export function randomWeights(cfg: ConfigWithWidths, seed: number): WeightMap {
  const rng = new Rng(seed);
  const m: WeightMap = new Map();
  for (const [name, shape] of expectedTensors(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.startsWith('style.') && name.endsWith('.weight')) data = rng.normals(n, 100);
    else if (name.startsWith('style.')) data = rng.normals(n, 0.1);
    else if (name.endsWith('conv.modulation.bias')) data = Float32Array.from(rng.normals(n, 0.1), (v) => v + 1);
    else if (/\.modulation$/.test(name)) data = Float32Array.from(rng.normals(n, 0.1), (v) => v + 1);
    else if (name.endsWith('noise.weight')) data = rng.normals(n, 0.1);
    else if (name.endsWith('activate.bias') || name.endsWith('.bias')) data = rng.normals(n, 0.1);
    else data = rng.normals(n);
    m.set(name, { shape: [...shape], data });
  }
  return m;
}

export async function buildDemoModel(outDir: string): Promise<void> {
  await writeModelDir(outDir, {
    name: 'demo (untrained)',
    config: DEMO_CONFIG,
    weights: randomWeights(DEMO_CONFIG, DEMO_SEED),
    untrained: true,
    source: { kind: 'demo', seed: DEMO_SEED },
  });
}

/** Builds the demo model into `dir` unless an up-to-date one is already there. */
export async function ensureDemoModel(dir: string): Promise<void> {
  try {
    const man = readManifest(dir);
    if (
      man.builderVersion === BUILDER_VERSION &&
      man.source.kind === 'demo' &&
      man.source.seed === DEMO_SEED &&
      REQUIRED_GRAPHS.every((f) => fs.existsSync(path.join(dir, f)))
    )
      return;
  } catch {
    // absent or unreadable: rebuild
  }
  await buildDemoModel(dir);
}
