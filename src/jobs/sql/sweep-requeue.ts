// sweep-requeue: stale jobs with attempts left -> QUEUED with a fresh queue entry + JOB_UPDATED.
import { notifyJobSql } from '../events.ts';
import { addJobSql } from '../task.ts';
import { jobTransitionSql } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';
import { untouchedForSql } from './stale-jobs.ts';

export async function sweepRequeue(db: Queryable, p: { jobIds: string[]; staleAfterMs: number }): Promise<string[]> {
  const $ = new Params();
  const update = jobTransitionSql('sweepRequeue', {
    set: `"workerId" = NULL, error = coalesce(j.error, 'the worker running this job stopped; it was queued again')`,
    where: `j.id = ANY (${$.add(p.jobIds, 'uuid[]')}) AND j.attempts < j."maxAttempts"
      AND ${untouchedForSql($.add(p.staleAfterMs / 1000, 'float8'))}`,
    returning: 'j.attempts, j."maxAttempts", j."modelId"',
  });
  const r = await db.query<{ id: string }>(
    `WITH u AS (${update}) SELECT u.id, (${addJobSql('u')}).id AS queue_id, ${notifyJobSql('u')} FROM u`,
    $.values,
  );
  return r.rows.map((x) => x.id);
}
