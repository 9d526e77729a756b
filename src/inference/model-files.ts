// A model directory's layout: the one place that names its files. Everything that reads or writes
// a model directory asks here (src/inference/README.md and docs/model/network.md say what each holds).
import path from 'node:path';

export const MODEL_FILES = {
  /** What the model is (config, layout, components, w_avg) and the sha256 of its graphs. */
  manifest: 'manifest.json',
  /** W+ latent and composition mask -> image, segmentation, coarse masks, depth. */
  generator: 'generator.onnx',
  /** z -> w. */
  mapping: 'mapping.onnx',
  /** Optional: picture -> W+ (docs/model/encoder.md), with its description beside it. */
  encoder: 'encoder.onnx',
  encoderInfo: 'encoder.json',
  /** Optional: the attribute directions the model ships (docs/model/directions.md). */
  directions: 'directions.json',
} as const;

export type ModelFile = keyof typeof MODEL_FILES;

/** The graphs every model has; the manifest lists each with its sha256, checked at load. */
export const REQUIRED_GRAPHS = [MODEL_FILES.generator, MODEL_FILES.mapping] as const;

/** The path of one file of the model directory `dir`. */
export function modelFile(dir: string, file: ModelFile): string {
  return path.join(dir, MODEL_FILES[file]);
}
