// finish: QUEUED/RUNNING -> SUCCEEDED with the render, Edit.renderId (RENDER_EDIT), JOB_UPDATED and
// FACE_UPDATED{RENDER}. Not guarded by workerId: a worker presumed dead whose job went to another
// still has the right render (content-addressed), and finishing here saves a run.
import { notifyFaceSql, notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface FinishTarget {
  jobId: string;
  editId: string;
  /** RENDER_EDIT jobs set their edit's render; compositions do not. */
  setsEditRender: boolean;
  workerId: string;
}

/**
 * The CTEs `e`, `u`, `n` finishing the job with the render id of CTE `rid` (one row: id), for a
 * statement that defines `rid` first. `finish` false: the CTEs write nothing.
 */
export function finishCtes($: Params, t: FinishTarget, finish: boolean): string {
  const doIt = $.add(finish, 'boolean');
  return `
    e AS (
      UPDATE "Edit" SET "renderId" = rid.id FROM rid
      WHERE "Edit".id = ${$.add(t.editId, 'uuid')} AND ${$.add(t.setsEditRender, 'boolean')} AND ${doIt}
        AND "Edit"."renderId" IS DISTINCT FROM rid.id
      RETURNING "Edit".id),
    u AS (${jobTransitionSql('succeed', {
      set: `"renderId" = rid.id, error = NULL, "workerId" = ${$.add(t.workerId)}, "finishedAt" = ${NOW_UTC}`,
      where: `j.id = ${$.add(t.jobId, 'uuid')} AND ${doIt}`,
      extraFrom: 'rid',
    })}),
    n AS (SELECT ${notifyJobSql('u')}, ${notifyFaceSql('u', 'RENDER')} FROM u)`;
}

/** Finishes the job with a render that already exists. Returns whether the row changed. */
export async function finishJob(db: Queryable, t: FinishTarget & { renderId: string }): Promise<boolean> {
  const $ = new Params();
  const rid = $.add(t.renderId, 'uuid');
  const r = await db.query<{ n: number }>(
    `WITH rid AS (SELECT ${rid} AS id), ${finishCtes($, t, true)} SELECT count(*)::int AS n FROM n`,
    $.values,
  );
  return (r.rows[0]?.n ?? 0) > 0;
}
