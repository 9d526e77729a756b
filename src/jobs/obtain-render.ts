// The render image for a claimed job: stored (cache hit, from any workspace: images are shared),
// joined in flight in this process, or produced by the model now and stored together with the
// job's success (`finished`: nothing left to write). The job's workspace gets its own Render of the
// image when the job finishes (src/jobs/sql/finish.ts).
import { performance } from 'node:perf_hooks';
import type { ModelRegistry } from '../models/registry.ts';
import { JobGoneError, JobReleasedError, PermanentJobError } from './errors.ts';
import type { JobTiming } from './job-timing.ts';
import { normalizeRenderOptions, renderCacheKey, type RenderOptions } from './render-key.ts';
import type { ClaimedJob } from './sql/claim.ts';
import { findRenderImage } from './sql/find-render.ts';
import type { Queryable } from './sql/params.ts';
import { storeRender } from './sql/store-render.ts';

export interface ObtainedRender {
  /** RenderImage id. */
  imageId: string;
  finished: boolean;
}

export class RenderSource {
  /** cacheKey -> image id, for renders being produced in this process. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Queryable,
    private readonly models: Pick<ModelRegistry, 'get'>,
    private readonly workerId: string,
  ) {}

  async obtain(row: ClaimedJob, signal: AbortSignal, timing: JobTiming): Promise<ObtainedRender> {
    const options = parseOptions(row.options);
    const latentBytes = new Uint8Array(row.latent.buffer, row.latent.byteOffset, row.latent.byteLength);
    // The key was computed when the job was queued, and the claim looked it up; jobs queued
    // before keys were stored get theirs now.
    const cacheKey = row.cacheKey ?? renderCacheKey(row.modelId, latentBytes, options);
    const stored = row.cacheKey ? row.storedImageId : await findRenderImage(this.db, cacheKey);
    if (stored) {
      timing.render = 'hit';
      return { imageId: stored, finished: false };
    }
    const running = this.inflight.get(cacheKey);
    if (running) {
      timing.render = 'shared';
      try {
        return { imageId: await abortable(running, signal), finished: false };
      } catch (err) {
        // The job that ran the model was cancelled and stored nothing: this one renders for itself.
        if (!(err instanceof JobGoneError)) throw err;
      }
    }
    const model = this.prepare(row, options);
    timing.render = 'miss';
    const produce = this.produce(row, model, cacheKey, options, signal, timing);
    // Identical jobs in this process share the image id (they finish their own rows).
    const shared = produce.then((p) => p.imageId);
    shared.catch(() => {}); // handled by the joiners, if any
    this.inflight.set(cacheKey, shared);
    try {
      return await abortable(produce, signal);
    } finally {
      // Later identical requests find the stored row.
      void shared.catch(() => {}).finally(() => this.inflight.delete(cacheKey));
    }
  }

  /** The model and composition mask for a job; a job no model here can run fails now. */
  private prepare(row: ClaimedJob, options: RenderOptions) {
    const runtime = this.models.get(row.modelId);
    if (!runtime) throw new Error(`model ${row.modelId} is not loaded on worker ${this.workerId}`);
    const { nLatent, dim, numComponents } = runtime.info.layout;
    if (row.latent.byteLength !== nLatent * dim * 4) {
      throw new PermanentJobError(
        `the edit's latent has ${row.latent.byteLength} bytes; model ${row.modelId} needs ${nLatent} x ${dim} float32 (${nLatent * dim * 4} bytes)`,
      );
    }
    return { runtime, compositionMask: maskOf(options, numComponents, row.modelId) };
  }

  private async produce(
    row: ClaimedJob,
    { runtime, compositionMask }: ReturnType<RenderSource['prepare']>,
    cacheKey: string,
    options: RenderOptions,
    signal: AbortSignal,
    timing: JobTiming,
  ): Promise<ObtainedRender> {
    // Copy: the Buffer's memory may be unaligned for a Float32Array view.
    const latent = new Float32Array(
      row.latent.buffer.slice(row.latent.byteOffset, row.latent.byteOffset + row.latent.byteLength),
    );
    const t0 = performance.now();
    const result = await runtime.render({ latent, compositionMask, quality: options.quality ?? 'FULL' });
    timing.renderedAt = performance.now();
    timing.renderMs = timing.renderedAt - t0;
    // A released job (stop() already put its row back to QUEUED) stores the render only.
    return storeRender(
      this.db,
      { cacheKey, modelId: row.modelId, options, result, finish: !signal.aborted },
      {
        jobId: row.id,
        editId: row.editId, // A preview is never an edit's render.
        setsEditRender: row.kind !== 'RENDER_COMPOSITION' && options.quality !== 'PREVIEW',
        workerId: this.workerId,
      },
    );
  }
}

function parseOptions(raw: unknown): RenderOptions {
  try {
    return normalizeRenderOptions(raw);
  } catch (err) {
    throw new PermanentJobError((err as Error).message);
  }
}

/** The composition mask for options.components (undefined: every component). */
function maskOf(options: RenderOptions, numComponents: number, modelId: string): number[] | undefined {
  const components = options.components;
  if (!components) return undefined;
  const bad = components.filter((k) => k >= numComponents);
  if (bad.length)
    throw new PermanentJobError(
      `component indices ${bad.join(', ')} do not exist in model ${modelId} (it has ${numComponents})`,
    );
  return Array.from({ length: numComponents }, (_, k) => (components.includes(k) ? 1 : 0));
}

/** Rejects when `signal` aborts (the promise itself runs on: its result may serve other jobs). */
export function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new JobReleasedError('released'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new JobReleasedError('released'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
