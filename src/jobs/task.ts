// The queue entry of an InferenceJob row: graphile-worker task `render`, payload {jobId}.

/** graphile-worker task name for rendering an InferenceJob row. */
export const RENDER_TASK = 'render';

/**
 * The one job-insert fragment: SQL adding the queue entry for InferenceJob `alias` (job_key = the
 * job id, so adding it again replaces an unstarted entry instead of duplicating it). Its
 * max_attempts is what the row has left.
 */
export function addJobSql(alias: string): string {
  return `graphile_worker.add_job('${RENDER_TASK}', json_build_object('jobId', ${alias}.id),
    job_key := ${alias}.id::text, max_attempts := greatest(${alias}."maxAttempts" - ${alias}.attempts, 1))`;
}
