// fail: RUNNING -> FAILED with the tenant's short reason (error) and the operator's errorDetail, by
// the worker running it, + JOB_UPDATED; an image inversion's face becomes FAILED with it.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';
import { failInversionCte, jobErrorReason, NOTIFY_FAILED_INVERSIONS } from './store-inversion.ts';

export async function failJob(
  db: Queryable,
  p: { jobId: string; workerId: string; error: string; errorDetail: string },
): Promise<boolean> {
  const $ = new Params();
  const update = jobTransitionSql('fail', {
    set: `error = ${$.add(p.error)}, "errorDetail" = ${$.add(p.errorDetail)}, "finishedAt" = ${NOW_UTC}`,
    where: `j.id = ${$.add(p.jobId, 'uuid')} AND j."workerId" = ${$.add(p.workerId)}`,
    returning: 'j.kind, j.error',
  });
  const r = await db.query(
    `WITH u AS (${update}), ${failInversionCte('u', jobErrorReason('u'))} SELECT ${notifyJobSql('u')}, ${NOTIFY_FAILED_INVERSIONS} FROM u`,
    $.values,
  );
  return r.rowCount === 1;
}
