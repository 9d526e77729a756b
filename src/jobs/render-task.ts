// The graphile-worker task for one render job: claim, obtain the render, finish; on an error,
// fail, retry or hand back (see worker.ts for the whole life of a job).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobHelpers } from 'graphile-worker';
import type { Logger } from 'pino';
import { LatentError } from '../inference/index.ts';
import { JobGoneError, JobReleasedError, operatorDetail, PermanentJobError, tenantReason } from './errors.ts';
import { reportTiming, round, startTiming, type JobTiming } from './job-timing.ts';
import type { RenderSource } from './obtain-render.ts';
import { claimJob, type ClaimedJob } from './sql/claim.ts';
import { invertImageJob, type InvertDeps } from './invert-image.ts';
import { failJob } from './sql/fail.ts';
import { finishJob } from './sql/finish.ts';
import type { Queryable } from './sql/params.ts';
import { retryJob } from './sql/retry.ts';

export interface RenderTaskDeps {
  db: Queryable;
  workerId: string;
  renders: RenderSource;
  /** The loaded models (INVERT_IMAGE jobs run the model's encoder before rendering). */
  models: InvertDeps['models'];
  /** Running jobs by id; stop() aborts them when it hands them back. */
  active: Map<string, AbortController>;
  /** TEST ONLY: hold each job this long after its claim. */
  testDelayMs: number;
  onJobDone?: (timing: JobTiming) => void;
  log: Logger;
}

export function createRenderTask(d: RenderTaskDeps) {
  return async function renderTask(payload: unknown, helpers: JobHelpers): Promise<void> {
    const jobId = (payload as { jobId?: unknown } | null)?.jobId;
    const log = d.log.child({ jobId, queueJobId: helpers.job.id });
    if (typeof jobId !== 'string') return log.error({ payload }, 'render job without a jobId; dropped');
    const timing = startTiming(jobId);
    const abort = new AbortController();
    d.active.set(jobId, abort);
    let row: ClaimedJob | undefined;
    try {
      row = await claimJob(d.db, { jobId, workerId: d.workerId, queueJobId: helpers.job.id });
      if (!row) {
        timing.outcome = 'skipped';
        return log.info('job is cancelled, finished or gone; queue entry dropped');
      }
      timing.claimedAt = performance.now();
      timing.queueWaitMs = Math.max(0, row.queueWaitMs ?? 0);
      log.debug({ attempt: row.attempts, of: row.maxAttempts, editId: row.editId, model: row.modelId }, 'job started');
      if (d.testDelayMs > 0) await sleep(d.testDelayMs, undefined, { signal: abort.signal }).catch(() => {});
      if (abort.signal.aborted) throw new JobReleasedError('released');
      if (row.kind === 'INVERT_IMAGE') row = await invertImageJob(d, row, abort.signal, log);
      const { imageId, finished } = await d.renders.obtain(row, abort.signal, timing);
      if (!finished) {
        if (!timing.renderedAt) timing.renderedAt = performance.now();
        const target = {
          jobId,
          editId: row.editId,
          setsEditRender: row.kind !== 'RENDER_COMPOSITION',
          workerId: d.workerId,
        };
        await finishJob(d.db, { ...target, imageId });
      }
      timing.outcome = 'succeeded';
      const { attempts: attempt, editId } = row;
      const ms = { queueWaitMs: round(timing.queueWaitMs), renderMs: round(timing.renderMs) };
      log.info({ editId, imageId, render: timing.render, attempt, ...ms }, 'job succeeded');
    } catch (err) {
      if (err instanceof JobReleasedError || abort.signal.aborted) {
        // stop() already put the row back to QUEUED and dropped the queue lock; rethrowing makes
        // graphile-worker's failJob a no-op (the lock is no longer ours).
        timing.outcome = 'released';
        log.warn('job released to the queue (shutdown)');
        throw new JobReleasedError('released by a stopping worker');
      }
      if (err instanceof JobGoneError) {
        // Cancelled or deleted while it ran: nothing stored, nothing to retry; the entry is dropped.
        timing.outcome = 'cancelled';
        return log.info({ reason: err.message }, 'job stopped: cancelled or its face deleted');
      }
      if (!row) throw err; // the claim itself failed (database): plain retry, nothing to mirror
      timing.outcome = 'retried'; // unless settleFailure ends the job
      timing.outcome = await settleFailure(d, log, row, err as Error);
    } finally {
      d.active.delete(jobId);
      reportTiming(timing, row?.sinceCreatedMs, d.onJobDone);
    }
  };
}

/**
 * A failed attempt: FAILED at once (permanent error, last attempt; the queue entry is done) or
 * back to QUEUED with the error, rethrown so that graphile-worker retries after e^attempt seconds.
 */
async function settleFailure(d: RenderTaskDeps, log: Logger, row: ClaimedJob, e: Error): Promise<'failed'> {
  const permanent = e instanceof PermanentJobError || e instanceof LatentError;
  const final = permanent || row.attempts >= row.maxAttempts;
  const error = tenantReason(e, permanent, final);
  const errorDetail = operatorDetail(e, d.workerId);
  const attempt = { attempt: row.attempts, of: row.maxAttempts };
  if (final) {
    log.error({ err: e.message || String(e), stack: e.stack, ...attempt, permanent }, 'job failed');
    // If this write fails, the throw keeps the queue entry; the sweeper then reconciles the row.
    await failJob(d.db, { jobId: row.id, workerId: d.workerId, error, errorDetail });
    return 'failed';
  }
  log.warn({ err: e.message || String(e), stack: e.stack, ...attempt }, 'job attempt failed; will retry');
  await retryJob(d.db, { jobId: row.id, workerId: d.workerId, error, errorDetail }).catch((werr: Error) =>
    log.warn({ err: werr.message }, 'could not mirror the retry'),
  );
  throw e;
}
