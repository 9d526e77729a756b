// cancel: QUEUED -> CANCELLED + JOB_UPDATED, and the queue entry removed (no retry). A worker that
// already locked the entry but has not claimed it finds the row CANCELLED and drops the entry.
// A cancelled image inversion will never write its face's latent: the face becomes FAILED with it
// (+ FACE_UPDATED), so it is not left INVERTING for good.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { failInversionCte, NOTIFY_FAILED_INVERSIONS } from './store-inversion.ts';

/** The statement (one parameter: the job id) for Prisma's $executeRawUnsafe or pg; one row when cancelled. */
export const CANCEL_JOB_SQL = `WITH u AS (${jobTransitionSql('cancel', {
  set: `"finishedAt" = ${NOW_UTC}`,
  where: 'j.id = $1::uuid',
  returning: 'j.kind',
})}), ${failInversionCte('u')}
  SELECT (graphile_worker.remove_job(u.id::text)).id, ${notifyJobSql('u')}, ${NOTIFY_FAILED_INVERSIONS} FROM u`;
