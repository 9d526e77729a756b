// How a render attempt can fail, and what the worker does about it.

/** Retrying cannot help (corrupt latent, bad options): the job ends FAILED at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The job was handed back (graceful shutdown timed out): another worker takes it; no status write. */
export class JobReleasedError extends Error {
  override name = 'JobReleasedError';
}

/**
 * The job was cancelled, or its face deleted, while it ran: nothing is stored and nothing retried
 * (the task ends normally, so graphile-worker drops the queue entry).
 */
export class JobGoneError extends Error {
  override name = 'JobGoneError';
}

// Anything else (model not loaded here, database hiccup, runtime error) is transient: the job goes
// back to QUEUED and graphile-worker retries it with exponential backoff (e^attempt seconds) until
// the job's maxAttempts, then it ends FAILED with the last error.

/**
 * What a tenant reads in InferenceJob.error for a failed attempt: the message of an error about the
 * job's own input (permanent), else a short reason. The worker's host, pid and the error's stack
 * are for operators: the log line of the failure and InferenceJob.errorDetail (never in the API).
 */
export function tenantReason(err: Error, permanent: boolean, final: boolean): string {
  if (permanent) return err.message || String(err);
  return final
    ? 'the render failed on the worker (internal error); no attempts left'
    : 'the render failed on the worker (internal error); it will be retried';
}

/** InferenceJob.errorDetail: which worker, and the error with its stack. */
export function operatorDetail(err: Error, workerId: string): string {
  return `worker ${workerId}: ${err.stack ?? `${err.name}: ${err.message}`}`;
}
