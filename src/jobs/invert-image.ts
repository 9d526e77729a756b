// The inversion step of an INVERT_IMAGE job, before it renders like a RENDER_EDIT: the stored
// aligned image through the model's encoder (progress after each iteration), the found W+ written
// into the face's root edit. Returns the claimed row with that latent, ready for the render.
// A job cancelled (or whose face was deleted) meanwhile is noticed at each progress report and
// when the latent is stored: it stops with JobGoneError, writing nothing.
import type { Logger } from 'pino';
import { Encoder } from '../inference/encoder.ts';
import { pngToTensor } from '../inference/image-input.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { JobGoneError, PermanentJobError } from './errors.ts';
import type { ClaimedJob } from './sql/claim.ts';
import { reportJobProgress } from './sql/job-progress.ts';
import type { Queryable } from './sql/params.ts';
import { sourceImagePng, storeInversion } from './sql/store-inversion.ts';

export interface InvertDeps {
  db: Queryable;
  models: Pick<ModelRegistry, 'get'>;
  workerId: string;
}

export async function invertImageJob(
  d: InvertDeps,
  row: ClaimedJob,
  signal: AbortSignal,
  log: Logger,
): Promise<ClaimedJob> {
  const runtime = d.models.get(row.modelId);
  if (!runtime) throw new Error(`model ${row.modelId} is not loaded on worker ${d.workerId}`);
  const options = (row.options ?? {}) as { sourceImageId?: unknown; iterations?: unknown };
  const iterations = Number(options.iterations);
  if (typeof options.sourceImageId !== 'string' || !Number.isInteger(iterations) || iterations < 1) {
    throw new PermanentJobError('the inversion job has no source image or iteration count');
  }
  const png = await sourceImagePng(d.db, { sourceImageId: options.sourceImageId });
  if (!png) throw new PermanentJobError(`source image ${options.sourceImageId} is gone`);
  const { side, tensor } = pngToTensor(png);
  if (side !== runtime.info.resolution) {
    throw new PermanentJobError(`the source image is ${side} px; the model renders ${runtime.info.resolution} px`);
  }
  let encoder: Encoder;
  try {
    encoder = await Encoder.of(runtime);
  } catch (err) {
    throw new PermanentJobError(`the model's encoder cannot be loaded: ${(err as Error).message}`);
  }
  // The render after the inversion is the last step of the job's progress.
  const { latent, psnr } = await encoder.invert(
    runtime,
    tensor,
    iterations,
    async (s) => {
      const p = s.iteration / (s.of + 1);
      // Written only while the job is RUNNING on this worker: false means cancelled or gone.
      if (!(await reportJobProgress(d.db, { jobId: row.id, workerId: d.workerId, progress: p }))) {
        throw new JobGoneError('the import was cancelled or its face deleted while it ran');
      }
    },
    signal,
  );
  const stored = await storeInversion(d.db, {
    faceId: row.faceId,
    editId: row.editId,
    latent: Buffer.from(latent.buffer, latent.byteOffset, latent.byteLength),
    // The last entry is the found latent's own reconstruction.
    psnr: Math.round(psnr[psnr.length - 1]! * 100) / 100,
  });
  if (!stored.latent || (!stored.stored && stored.faceStatus !== 'READY')) {
    throw new JobGoneError('the import was cancelled or its face deleted while it ran');
  }
  log.info({ iterations, psnr: psnr.map((v) => Math.round(v * 100) / 100), stored: stored.stored }, 'image inverted');
  // The key queued with the job is the placeholder's: the render step computes the found latent's.
  return { ...row, latent: stored.latent, cacheKey: null, storedImageId: null };
}
