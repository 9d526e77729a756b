// Writes a model directory (its layout: model-files.ts).
import fs from 'node:fs';
import crypto from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { type ConfigWithWidths, type WeightMap, componentsFor, expectedTensors, latentLayout } from './config.ts';
import { buildGeneratorGraph, buildMappingGraph } from './graph.ts';
import { MANIFEST_FORMAT, type Manifest, type ModelSource, weightsHash } from './manifest.ts';
import { Rng } from './rng.ts';
import type { ModelComponent } from './types.ts';
import { MODEL_FILES, modelFile } from './model-files.ts';

export { MANIFEST_FORMAT, type Manifest, type ModelSource } from './manifest.ts';

/** Bump when the graph builder's output changes (ensureDemoModel rebuilds on mismatch). */
export const BUILDER_VERSION = 5;
export const W_AVG_SAMPLES = 10_000;
export const W_AVG_SEED = 0x5eed;

export interface WriteModelOptions {
  name: string;
  config: ConfigWithWidths;
  weights: WeightMap;
  untrained: boolean;
  source: ModelSource;
  /** Class names / colours; default componentsFor(config). */
  components?: ModelComponent[];
  upsample?: 'convtranspose' | 'phase' | 'split';
}

function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

export async function computeWAvg(
  mappingBytes: Uint8Array,
  dim: number,
  samples = W_AVG_SAMPLES,
  seed = W_AVG_SEED,
): Promise<Float32Array> {
  // One thread: keeps the result bit-stable run to run.
  const sess = await ort.InferenceSession.create(mappingBytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const rng = new Rng(seed);
    const acc = new Float64Array(dim);
    const chunk = 1000;
    for (let done = 0; done < samples; done += chunk) {
      const n = Math.min(chunk, samples - done);
      const z = rng.normals(n * dim);
      const out = await sess.run({ z: new ort.Tensor('float32', z, [n, dim]) });
      const wv = out.w.data as Float32Array;
      for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) acc[d] += wv[i * dim + d];
    }
    return Float32Array.from(acc, (v) => v / samples);
  } finally {
    await sess.release();
  }
}

export async function writeModelDir(outDir: string, o: WriteModelOptions): Promise<Manifest> {
  const upsample = o.upsample ?? 'split';
  const gen = buildGeneratorGraph(o.config, o.weights, { upsample });
  const map = buildMappingGraph(o.config, o.weights);
  const wAvg = await computeWAvg(map.bytes, o.config.latent);
  fs.mkdirSync(outDir, { recursive: true });
  // Manifest last and every file via rename: a half-written directory has no valid manifest.
  fs.rmSync(modelFile(outDir, 'manifest'), { force: true });
  writeAtomic(modelFile(outDir, 'generator'), gen.bytes);
  writeAtomic(modelFile(outDir, 'mapping'), map.bytes);
  const layout = latentLayout(o.config);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    builderVersion: BUILDER_VERSION,
    name: o.name,
    untrained: o.untrained,
    config: o.config,
    layout: { ...layout, expandedRows: o.config.seg_dim * o.config.local_layers, localLayers: o.config.local_layers },
    components: o.components ?? componentsFor(o.config),
    w_avg: Array.from(wAvg),
    weightsSha256: weightsHash(o.weights, [...expectedTensors(o.config).keys()]),
    files: {
      [MODEL_FILES.generator]: { sha256: sha256(gen.bytes), bytes: gen.bytes.length },
      [MODEL_FILES.mapping]: { sha256: sha256(map.bytes), bytes: map.bytes.length },
    },
    source: o.source,
    graph: {
      upsample,
      generatorMacsPerImage: gen.macsPerImage,
      mappingMacsPerImage: map.macsPerImage,
      inputs: ['latent', 'composition_mask'],
      outputs: ['image', 'segmentation', 'coarse', 'depth'],
    },
  };
  writeAtomic(modelFile(outDir, 'manifest'), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return manifest;
}

function writeAtomic(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
