// The allowed InferenceJob status changes. Every status write in src/jobs/sql goes through
// jobTransitionSql(), so this table is the whole state machine:
//
//   (insert) -> QUEUED -> RUNNING -> SUCCEEDED
//                  |  ^       |----> FAILED
//                  |  '-------'----> CANCELLED (an image inversion only)
//                  |                 (retry, release, takeover, sweep: back to QUEUED)
//                  '-> CANCELLED
import { NOW_UTC } from '../db/clock.ts';
import { JobStatus } from '../generated/prisma/enums.ts';

export { JobStatus };

/** Every status, in the schema's order (prisma/schema.prisma is the one list). */
export const JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

export const JOB_TRANSITIONS = {
  /** A worker takes the job (RUNNING again: a worker presumed dead whose row the sweeper missed). */
  claim: { from: ['QUEUED', 'RUNNING'], to: 'RUNNING' },
  /** The render is stored (QUEUED too: a late result of a worker presumed dead still counts). */
  succeed: { from: ['QUEUED', 'RUNNING'], to: 'SUCCEEDED' },
  /** A permanent error or the last attempt, by the worker running it. */
  fail: { from: ['RUNNING'], to: 'FAILED' },
  /** A transient error: graphile-worker retries later. */
  retry: { from: ['RUNNING'], to: 'QUEUED' },
  /** A stopping worker hands the job back. */
  release: { from: ['RUNNING'], to: 'QUEUED' },
  /** A user cancels a job no worker started. */
  cancel: { from: ['QUEUED'], to: 'CANCELLED' },
  /** A user cancels an image inversion while it runs (its worker stops at its next check, src/jobs/invert-image.ts). */
  cancelRunning: { from: ['RUNNING'], to: 'CANCELLED' },
  /** The sweeper takes a dead worker's running job back before dropping its queue lock. */
  takeover: { from: ['RUNNING'], to: 'QUEUED' },
  /** The sweeper re-queues a job whose worker died (attempts left). */
  sweepRequeue: { from: ['QUEUED', 'RUNNING'], to: 'QUEUED' },
  /** The sweeper ends a job whose worker died on its last attempt. */
  sweepFail: { from: ['QUEUED', 'RUNNING'], to: 'FAILED' },
} as const satisfies Record<string, { from: readonly JobStatus[]; to: JobStatus }>;

export type JobTransition = keyof typeof JOB_TRANSITIONS;

export function isAllowed(transition: JobTransition, from: JobStatus): boolean {
  return (JOB_TRANSITIONS[transition].from as readonly JobStatus[]).includes(from);
}

/**
 * `UPDATE "InferenceJob" j SET status = <to>, "updatedAt" = now, <set> WHERE <where> AND j.status
 * IN <from> RETURNING j.id, j."faceId", j."editId", j.status, <returning>`, for use in a CTE.
 * `extraFrom` joins other CTEs (e.g. "rid").
 */
export function jobTransitionSql(
  transition: JobTransition,
  parts: { set?: string; where: string; returning?: string; extraFrom?: string },
): string {
  const { from, to } = JOB_TRANSITIONS[transition];
  const set = parts.set ? `, ${parts.set}` : '';
  const returning = parts.returning ? `, ${parts.returning}` : '';
  return `UPDATE "InferenceJob" j SET status = '${to}', "updatedAt" = ${NOW_UTC}${set}
    ${parts.extraFrom ? `FROM ${parts.extraFrom}` : ''}
    WHERE (${parts.where}) AND j.status IN (${from.map((s) => `'${s}'`).join(', ')})
    RETURNING j.id, j."faceId", j."editId", j.status${returning}`;
}

/** The one clock (src/db/clock.ts), re-exported for the job statements. */
export { NOW_UTC };
