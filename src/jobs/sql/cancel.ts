// cancel: QUEUED -> CANCELLED + JOB_UPDATED, and the queue entry removed (no retry). A worker that
// already locked the entry but has not claimed it finds the row CANCELLED and drops the entry.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';

/** The statement (one parameter: the job id) for Prisma's $executeRawUnsafe or pg; one row when cancelled. */
export const CANCEL_JOB_SQL = `WITH u AS (${jobTransitionSql('cancel', {
  set: `"finishedAt" = ${NOW_UTC}`,
  where: 'j.id = $1::uuid',
})})
  SELECT (graphile_worker.remove_job(u.id::text)).id, ${notifyJobSql('u')} FROM u`;
