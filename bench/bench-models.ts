// The models the inference benches time: a directory under models/ (the trained cartoon64) as it
// is, the demo model, or the authors' default config at a given side with random weights.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type ConfigWithWidths } from '../src/inference/config.ts';
import { DEMO_CONFIG, buildDemoModel, randomWeights } from '../src/inference/demo.ts';
import { readManifest } from '../src/inference/manifest.ts';
import { writeModelDir } from '../src/inference/model-dir.ts';
import { modelFile } from '../src/inference/model-files.ts';

export type Upsample = 'split' | 'convtranspose' | 'phase';

/** The model directory for `size` ('cartoon64', 'demo', '256', ...), built under `tmp` when it is not installed. */
export async function benchModelDir(
  size: string,
  tmp: string,
  upsample: Upsample = 'split',
): Promise<{ dir: string; config: ConfigWithWidths; built: boolean }> {
  const installed = path.join('models', size);
  if (fs.existsSync(modelFile(installed, 'manifest')))
    return { dir: installed, config: readManifest(installed).config, built: false };
  const dir = path.join(tmp, size);
  if (size === 'demo' && upsample === 'split') {
    await buildDemoModel(dir);
    return { dir, config: DEMO_CONFIG, built: true };
  }
  const config = size === 'demo' ? DEMO_CONFIG : { ...DEFAULT_CONFIG, size: Number(size) };
  await writeModelDir(dir, {
    name: size === 'demo' ? 'demo' : `authors-default-${size}`,
    config,
    weights: randomWeights(config, 1),
    untrained: true,
    source: { kind: 'demo', seed: 1 },
    upsample,
  });
  return { dir, config, built: true };
}
