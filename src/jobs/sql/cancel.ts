// cancel: QUEUED -> CANCELLED + JOB_UPDATED, and the queue entry removed (no retry). A worker that
// already locked the entry but has not claimed it finds the row CANCELLED and drops the entry.
// An image inversion can be cancelled while it RUNS too (it can take long): its worker learns it at
// its next progress report or when it stores the latent, and stops without writing anything
// (remove_job keeps a locked entry from being retried). A cancelled inversion will never write its
// face's latent: the face becomes FAILED with the reason (+ FACE_UPDATED), not INVERTING for good.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { failInversionCte, NOTIFY_FAILED_INVERSIONS } from './store-inversion.ts';

/** Why a cancelled import's face is FAILED (Face.failureReason). */
export const CANCELLED_IMPORT_REASON = 'its import was cancelled';

function cancelSql(transitions: ('cancel' | 'cancelRunning')[]): string {
  const ctes = transitions.map(
    (t) =>
      `${t} AS (${jobTransitionSql(t, {
        set: `"finishedAt" = ${NOW_UTC}`,
        where: t === 'cancel' ? 'j.id = $1::uuid' : `j.id = $1::uuid AND j.kind = 'INVERT_IMAGE'`,
        returning: 'j.kind',
      })})`,
  );
  return `WITH ${ctes.join(', ')}, u AS (${transitions.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')}),
    ${failInversionCte('u', `'${CANCELLED_IMPORT_REASON}'`)}
    SELECT (graphile_worker.remove_job(u.id::text)).id, ${notifyJobSql('u')}, ${NOTIFY_FAILED_INVERSIONS} FROM u`;
}

/** The statement (one parameter: the job id) for Prisma's $executeRawUnsafe or pg; one row when cancelled. */
export const CANCEL_JOB_SQL = cancelSql(['cancel', 'cancelRunning']);
/** Its running-inversion half alone (the transition table's test). */
export const CANCEL_RUNNING_SQL = cancelSql(['cancelRunning']);
