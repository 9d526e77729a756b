// The model's image encoder (ReStyle-style iterative inversion), when its directory has one:
// encoder.onnx takes (image, reconstruction, latent) and returns a correction `delta` of the W+
// latent; starting from w_avg on every row, each iteration renders the current latent and adds
// the correction. encoder.json describes it (written by `ssg export-encoder`).
//
// No refinement by optimisation follows: onnxruntime-node computes no gradients, and a
// gradient-free search over 28 x 128 numbers costs hundreds of renders for little gain.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { ModelRuntime } from './runtime.ts';
import { MODEL_FILES, modelFile } from './model-files.ts';

/** Most iterations a caller may ask for. */
export const MAX_ENCODER_ITERATIONS = 10;

export interface EncoderInfo {
  resolution: number;
  n_latent: number;
  dim: number;
  defaultIterations: number;
  [k: string]: unknown;
}

export interface InversionStep {
  /** 1-based iteration just finished. */
  iteration: number;
  of: number;
  /** PSNR (dB) of the reconstruction the iteration started from against the target. */
  psnr: number;
}

/** Whether the model directory ships an encoder (the API checks this before queueing a job). */
export function hasEncoder(modelDir: string): boolean {
  return fs.existsSync(modelFile(modelDir, 'encoder')) && fs.existsSync(modelFile(modelDir, 'encoderInfo'));
}

export function readEncoderInfo(modelDir: string): EncoderInfo {
  const info = JSON.parse(fs.readFileSync(modelFile(modelDir, 'encoderInfo'), 'utf8')) as EncoderInfo;
  const iters = Number(info.defaultIterations);
  return { ...info, defaultIterations: Number.isInteger(iters) && iters > 0 ? iters : 5 };
}

/** PSNR in dB between two images in [-1, 1] (peak-to-peak 2). */
export function psnr(a: Float32Array, b: Float32Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(-1, a[i]!)) - Math.min(1, Math.max(-1, b[i]!));
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10(4 / mse);
}

export class Encoder {
  private constructor(
    readonly info: EncoderInfo,
    private readonly session: ort.InferenceSession,
  ) {}

  private static readonly loaded = new WeakMap<ModelRuntime, Promise<Encoder>>();

  /** The encoder of a loaded model, created once per runtime. */
  static of(model: ModelRuntime): Promise<Encoder> {
    let p = Encoder.loaded.get(model);
    if (!p) {
      p = Encoder.load(model);
      p.catch(() => Encoder.loaded.delete(model));
      Encoder.loaded.set(model, p);
    }
    return p;
  }

  private static async load(model: ModelRuntime): Promise<Encoder> {
    if (!hasEncoder(model.dir)) throw new Error(`model ${model.info.id} has no ${MODEL_FILES.encoder} in ${model.dir}`);
    const info = readEncoderInfo(model.dir);
    const { nLatent, dim } = model.info.layout;
    if (info.resolution !== model.info.resolution || info.n_latent !== nLatent || info.dim !== dim) {
      throw new Error(
        `${MODEL_FILES.encoderInfo} in ${model.dir} is for ${info.resolution} px, W+ ${info.n_latent} x ${info.dim}; the model is ${model.info.resolution} px, ${nLatent} x ${dim}`,
      );
    }
    const session = await ort.InferenceSession.create(modelFile(model.dir, 'encoder'), {
      executionProviders: [model.executionProvider],
      graphOptimizationLevel: 'all',
    });
    return new Encoder(info, session);
  }

  /**
   * Inverts `target` ([3, S, S] in [-1, 1]) into a W+ latent with `iterations` encoder steps.
   * `onStep` runs after each (progress reports); `signal` stops between steps.
   */
  async invert(
    model: ModelRuntime,
    target: Float32Array,
    iterations: number,
    onStep?: (s: InversionStep) => Promise<void> | void,
    signal?: AbortSignal,
  ): Promise<{ latent: Float32Array; psnr: number[] }> {
    const { nLatent, dim } = model.info.layout;
    const S = model.info.resolution;
    if (target.length !== 3 * S * S) throw new Error(`target has ${target.length} values; expected 3 x ${S} x ${S}`);
    const latent = new Float32Array(nLatent * dim);
    for (let r = 0; r < nLatent; r++) latent.set(model.wAvg, r * dim);
    const image = new ort.Tensor('float32', target, [1, 3, S, S]);
    const trace: number[] = [];
    for (let i = 0; i < iterations; i++) {
      signal?.throwIfAborted();
      const recon = (await model.renderRaw([latent])).image;
      trace.push(psnr(recon, target));
      const out = await this.session.run({
        image,
        reconstruction: new ort.Tensor('float32', clamp(recon), [1, 3, S, S]),
        latent: new ort.Tensor('float32', latent.slice(), [1, nLatent, dim]),
      });
      const delta = out.delta!.data as Float32Array;
      for (let k = 0; k < latent.length; k++) latent[k]! += delta[k]!;
      await onStep?.({ iteration: i + 1, of: iterations, psnr: trace[i]! });
    }
    trace.push(psnr((await model.renderRaw([latent])).image, target));
    return { latent, psnr: trace };
  }
}

/** The encoder was trained on reconstructions clamped to the image range. */
function clamp(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(1, Math.max(-1, x[i]!));
  return out;
}
