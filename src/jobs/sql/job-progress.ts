// progress: the fraction done of a RUNNING job (INVERT_IMAGE reports one per encoder iteration),
// by the worker running it, + JOB_UPDATED so that jobUpdated subscribers see it move.
import { notifyJobSql } from '../events.ts';
import { NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export async function reportJobProgress(
  db: Queryable,
  p: { jobId: string; workerId: string; progress: number },
): Promise<boolean> {
  const $ = new Params();
  const r = await db.query(
    `WITH u AS (
       UPDATE "InferenceJob" j SET progress = ${$.add(Math.min(1, Math.max(0, p.progress)), 'float8')}, "updatedAt" = ${NOW_UTC}
       WHERE j.id = ${$.add(p.jobId, 'uuid')} AND j."workerId" = ${$.add(p.workerId)} AND j.status = 'RUNNING'
       RETURNING j.id, j."faceId", j."editId", j.status)
     SELECT ${notifyJobSql('u')} FROM u`,
    $.values,
  );
  return r.rowCount === 1;
}
