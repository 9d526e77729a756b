// stale-jobs: InferenceJob rows out of step with the queue, untouched for `staleAfterMs`: RUNNING
// without a queue lock, or QUEUED/RUNNING whose entry is gone or exhausted. An entry under another
// task name than its model's (one queued before per-model tasks) counts as gone: it is re-added.
import { renderTaskSql } from '../task.ts';
import { NOW_UTC } from '../transitions.ts';
import type { Queryable } from './params.ts';

/** `j."updatedAt"` older than $1 seconds: a claim bumps updatedAt, so rows a worker is on are skipped. */
export const untouchedForSql = (param: string) => `j."updatedAt" < ${NOW_UTC} - make_interval(secs => ${param})`;

export async function findStaleJobs(db: Queryable, p: { staleAfterMs: number; limit: number }): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `SELECT j.id FROM "InferenceJob" j
     LEFT JOIN graphile_worker.jobs q ON q.key = j.id::text AND q.task_identifier = ${renderTaskSql('j')}
     WHERE j.status IN ('QUEUED', 'RUNNING') AND ${untouchedForSql('$1')}
       AND (q.id IS NULL
            OR (q.locked_by IS NULL AND q.attempts >= q.max_attempts)
            OR (j.status = 'RUNNING' AND q.locked_by IS NULL))
     ORDER BY j."updatedAt" LIMIT $2`,
    [p.staleAfterMs / 1000, p.limit],
  );
  return r.rows.map((x) => x.id);
}
