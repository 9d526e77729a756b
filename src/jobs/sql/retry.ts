// retry: RUNNING -> QUEUED with the attempt's short reason (error) and the operator's errorDetail, by the worker running it, + JOB_UPDATED.
// graphile-worker schedules the next attempt itself (the task rethrows).
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export async function retryJob(
  db: Queryable,
  p: { jobId: string; workerId: string; error: string; errorDetail: string },
): Promise<boolean> {
  const $ = new Params();
  const update = jobTransitionSql('retry', {
    set: `error = ${$.add(p.error)}, "errorDetail" = ${$.add(p.errorDetail)}, "workerId" = NULL`,
    where: `j.id = ${$.add(p.jobId, 'uuid')} AND j."workerId" = ${$.add(p.workerId)}`,
  });
  const r = await db.query(`WITH u AS (${update}) SELECT ${notifyJobSql('u')} FROM u`, $.values);
  return r.rowCount === 1;
}
