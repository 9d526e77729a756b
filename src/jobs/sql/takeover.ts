// takeover: RUNNING jobs whose queue entries dead queue workers hold -> QUEUED + JOB_UPDATED, in the
// sweeper's transaction just before it drops those locks. Subscribers then read the takeover as a
// job queued again (not RUNNING twice), and the previous attempt's error gives way to the reason.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

/** What InferenceJob.error says of a job taken over from a worker that stopped. */
export const TAKEOVER_REASON = 'the worker running this job stopped; it was queued again';

export async function takeOverJobs(db: Queryable, p: { queueWorkerIds: string[] }): Promise<string[]> {
  const $ = new Params();
  const update = jobTransitionSql('takeover', {
    set: `"workerId" = NULL, error = ${$.add(TAKEOVER_REASON)}`,
    where: `EXISTS (SELECT 1 FROM graphile_worker.jobs q
      WHERE q.key = j.id::text AND q.locked_by = ANY (${$.add(p.queueWorkerIds, 'text[]')}))`,
  });
  const r = await db.query<{ id: string }>(`WITH u AS (${update}) SELECT u.id, ${notifyJobSql('u')} FROM u`, $.values);
  return r.rows.map((x) => x.id);
}
