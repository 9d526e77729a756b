// The contract between the domain layer (which creates InferenceJob rows) and the job system
// (which runs them). Implemented in src/jobs/queue.ts over graphile-worker.
import type { Tx } from '../db/client.ts';

export interface JobQueue {
  /**
   * Schedules the InferenceJob row `jobId` (already inserted with status QUEUED) for a worker.
   * Called INSIDE the transaction that wrote the edit and the job row, so that either all three
   * exist or none: the queue entry is written through `tx` too. The caller publishes the
   * JOB_UPDATED QUEUED event; every later status change (RUNNING, SUCCEEDED, FAILED, CANCELLED,
   * back to QUEUED on a retry or a released job) is published by the job system.
   */
  enqueue(tx: Tx, jobId: string): Promise<void>;
  /** Cancels a QUEUED job (publishes JOB_UPDATED CANCELLED); returns false when it already started or ended. */
  cancel(jobId: string): Promise<boolean>;
}
