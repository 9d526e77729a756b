// Public surface of the model runtime. The network it renders: docs/model/network.md.
export * from './types.ts';
export { ModelRuntime, ModelLoadError, type RuntimeOptions, type RawOutputs, type RuntimeStats } from './runtime.ts';
export {
  LatentError,
  TRUNCATION_RANGE,
  DEFAULT_TRUNCATION,
  swapComponents,
  interpolateComponents,
  resampleComponents,
  truncate,
  broadcastW,
  expandLatent,
  checkLatent,
  selectedRows,
  type ComponentSelection,
} from './latent.ts';
export { readNpy, writeNpy, latentFromNpy, latentsFromNpy, NpyError, type NpyArray, type NpyLatents } from './npy.ts';
export {
  importCheckpoint,
  readTorchCheckpoint,
  configFromArgs,
  readCheckpointArgs,
  TRAIN_DEFAULTS,
  CheckpointError,
  type ImportResult,
} from './checkpoint.ts';
export { buildDemoModel, ensureDemoModel, DEMO_CONFIG, DEMO_SEED } from './demo.ts';
export { BUILDER_VERSION, MANIFEST_FORMAT, type Manifest, type ModelSource } from './model-dir.ts';
export { readManifest, modelId, ManifestError } from './manifest.ts';
export { providerInstalled } from './session.ts';
export { DEFAULT_CONFIG, CELEBA_CLASSES, latentLayout, componentsFor, type ConfigWithWidths } from './config.ts';
export { buildGeneratorGraph, buildMappingGraph, type GeneratorGraphOptions } from './graph.ts';
export { sampleZ, Rng } from './rng.ts';
