// What one job attempt measured, and where it is reported (Prometheus, onJobDone observers).
import { performance } from 'node:perf_hooks';
import { jobLatency, jobOutcomes, renderCache } from '../metrics.ts';

export interface JobTiming {
  jobId: string;
  outcome: 'succeeded' | 'failed' | 'retried' | 'released' | 'skipped' | 'cancelled';
  /** How the render was obtained. */
  render?: 'hit' | 'shared' | 'miss';
  /** Queue entry due (enqueued or retry time) -> claimed, by the database clock. */
  queueWaitMs: number;
  /** The model runtime call (batch wait, model run, PNG encoding); 0 on a cache hit. */
  renderMs: number;
  /** Claimed -> finished, in this process. */
  runMs: number;
  /** Job created -> finished (all attempts). */
  totalMs: number;
  /** performance.now() when the task started (queue entry locked), for in-process measurements. */
  pickedAt: number;
  /** performance.now() when the claim committed (row RUNNING). */
  claimedAt: number;
  /**
   * performance.now() when the render was obtained: found, or produced by the model (then stored
   * in the same statement as the final status write).
   */
  renderedAt: number;
}

export function startTiming(jobId: string): JobTiming {
  const now = performance.now();
  return {
    jobId,
    outcome: 'succeeded',
    queueWaitMs: 0,
    renderMs: 0,
    runMs: 0,
    totalMs: 0,
    pickedAt: now,
    claimedAt: 0,
    renderedAt: 0,
  };
}

/** Closes the timing (sinceCreatedMs: the job's age at its claim) and reports it. */
export function reportTiming(
  timing: JobTiming,
  sinceCreatedMs: number | undefined,
  onJobDone: ((t: JobTiming) => void) | undefined,
): void {
  timing.runMs = performance.now() - timing.pickedAt;
  timing.totalMs = sinceCreatedMs === undefined ? 0 : Math.max(0, sinceCreatedMs) + timing.runMs;
  jobOutcomes.inc({ outcome: timing.outcome });
  if (timing.render) renderCache.inc({ result: timing.render });
  if (timing.outcome !== 'skipped') {
    jobLatency.observe({ phase: 'queue_wait' }, timing.queueWaitMs / 1000);
    jobLatency.observe({ phase: 'run' }, timing.runMs / 1000);
    if (timing.outcome === 'succeeded' || timing.outcome === 'failed') {
      jobLatency.observe({ phase: 'total' }, timing.totalMs / 1000);
    }
  }
  try {
    onJobDone?.(timing);
  } catch {
    // observers never fail a job
  }
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
