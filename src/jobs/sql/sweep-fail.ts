// sweep-fail: stale jobs on their last attempt -> FAILED, queue entry removed, + JOB_UPDATED (an
// image inversion's face FAILED with it).
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';
import { untouchedForSql } from './stale-jobs.ts';
import { failInversionCte, jobErrorReason, NOTIFY_FAILED_INVERSIONS } from './store-inversion.ts';

export async function sweepFail(db: Queryable, p: { jobIds: string[]; staleAfterMs: number }): Promise<string[]> {
  const $ = new Params();
  const update = jobTransitionSql('sweepFail', {
    set: `"workerId" = NULL, "finishedAt" = ${NOW_UTC},
      error = 'no attempts left: the worker running the last attempt stopped' || coalesce(' (earlier error: ' || j.error || ')', '')`,
    where: `j.id = ANY (${$.add(p.jobIds, 'uuid[]')}) AND j.attempts >= j."maxAttempts"
      AND ${untouchedForSql($.add(p.staleAfterMs / 1000, 'float8'))}`,
    returning: 'j.kind, j.error',
  });
  const r = await db.query<{ id: string }>(
    `WITH u AS (${update}), ${failInversionCte('u', jobErrorReason('u'))}
     SELECT u.id, (graphile_worker.remove_job(u.id::text)).id AS queue_id, ${notifyJobSql('u')}, ${NOTIFY_FAILED_INVERSIONS} FROM u`,
    $.values,
  );
  return r.rows.map((x) => x.id);
}
