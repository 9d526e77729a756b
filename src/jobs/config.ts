// Every timing and size of the job system, with its unit in its name, in one object. SQL never
// holds a timing literal: statements take these as parameters.

export interface JobsConfig {
  /** Jobs one worker process runs at once (SSG_WORKER_CONCURRENCY); they batch in the runtime. */
  concurrency: number;
  /** How often a worker refreshes its QueueWorker row. */
  heartbeatMs: number;
  /** How often a worker runs the dead-worker sweeper (one at a time across workers). */
  sweepMs: number;
  /**
   * A worker not seen for this long is presumed dead: its queue locks are released and its
   * QueueWorker row deleted (a worker that comes back registers again).
   */
  deadAfterMs: number;
  /** The sweeper leaves alone an InferenceJob row written less than this long ago (a worker is on it). */
  staleAfterMs: number;
  /** How long stop() waits for running jobs before handing them back to the queue. */
  shutdownGraceMs: number;
  /** After handing jobs back, how long stop() still waits for graphile-worker to wind down. */
  releaseWaitMs: number;
  /** How often the sweeper also removes orphaned stored data (src/jobs/sql/sweep-orphans.ts); the first time at start. */
  orphanSweepMs: number;
  /** Orphaned data younger than this is left alone (a handed-back job's render waits for its next worker). */
  orphanGraceMs: number;
  /** graphile-worker's poll for retries due later (new jobs arrive by LISTEN/NOTIFY). */
  pollIntervalMs: number;
  /** The one pg pool of a worker process (graphile-worker's and the job statements'). */
  poolSize: number;
}

export const JOB_DEFAULTS = {
  heartbeatMs: 5_000,
  sweepMs: 5_000,
  deadAfterMs: 20_000,
  staleAfterMs: 10_000,
  shutdownGraceMs: 25_000,
  releaseWaitMs: 10_000,
  pollIntervalMs: 1_000,
  orphanSweepMs: 10 * 60_000,
  orphanGraceMs: 60 * 60_000,
} as const;

/** graphile-worker holds one connection for LISTEN and one per slot picking a job; ours run between. */
export function jobsConfig(concurrency: number, overrides: Partial<JobsConfig> = {}): JobsConfig {
  const slots = Math.max(1, Math.floor(concurrency));
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...JOB_DEFAULTS, concurrency: slots, poolSize: 2 * slots + 3, ...defined };
}
