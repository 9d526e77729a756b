// The queue entry of an InferenceJob row: graphile-worker task `render:<modelId>`, payload {jobId}.
//
// One task identifier per model: graphile-worker hands a worker only the tasks in its task list, so
// a worker registers the tasks of the models it has loaded and never takes (and fails) a job for a
// model it could not load. A job whose model no live worker serves stays QUEUED with its attempts
// untouched (InferenceJob.waitingReason says so) until such a worker starts.

/** Prefix of the per-model render task names. */
export const RENDER_TASK_PREFIX = 'render:';

/** graphile-worker task name for rendering jobs of `modelId`. */
export function renderTask(modelId: string): string {
  return `${RENDER_TASK_PREFIX}${modelId}`;
}

/** SQL: the task name of the job row `alias` (which must expose "modelId"). */
export function renderTaskSql(alias: string): string {
  return `('${RENDER_TASK_PREFIX}' || ${alias}."modelId")`;
}

/** SQL condition: the queue entry `q` is a render task (any model). */
export function isRenderTaskSql(q: string): string {
  return `starts_with(${q}.task_identifier, '${RENDER_TASK_PREFIX}')`;
}

/**
 * The one job-insert fragment: SQL adding the queue entry for InferenceJob `alias` (job_key = the
 * job id, so adding it again replaces an unstarted entry instead of duplicating it, and moves an
 * entry of an older task name to the current one). Its max_attempts is what the row has left.
 */
export function addJobSql(alias: string): string {
  return `graphile_worker.add_job(${renderTaskSql(alias)}, json_build_object('jobId', ${alias}.id),
    job_key := ${alias}.id::text, max_attempts := greatest(${alias}."maxAttempts" - ${alias}.attempts, 1))`;
}
