// How a render attempt can fail, and what the worker does about it.

/** Retrying cannot help (corrupt latent, bad options): the job ends FAILED at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The job was handed back (graceful shutdown timed out): another worker takes it; no status write. */
export class JobReleasedError extends Error {
  override name = 'JobReleasedError';
}

// Anything else (model not loaded here, database hiccup, runtime error) is transient: the job goes
// back to QUEUED and graphile-worker retries it with exponential backoff (e^attempt seconds) until
// the job's maxAttempts, then it ends FAILED with the last error.
