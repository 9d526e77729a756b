// finish: QUEUED/RUNNING -> SUCCEEDED with the workspace's Render of the image (made on first use),
// Edit.renderId (RENDER_EDIT), JOB_UPDATED and FACE_UPDATED{RENDER}. Not guarded by workerId: a worker presumed dead whose job went to another
// still has the right render (content-addressed), and finishing here saves a run.
import { notifyFaceSql, notifyJobSql } from '../events.ts';
import { uuidv7 } from '../../db/ids.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface FinishTarget {
  jobId: string;
  editId: string;
  /** RENDER_EDIT jobs set their edit's render; compositions do not. */
  setsEditRender: boolean;
  workerId: string;
}

/** The columns a statement's CTE `rid` carries: the image and what its workspace Render copies. */
export const IMAGE_COLUMNS = `id, "cacheKey", "modelId", options, width, height, "coarseSize"`;

/**
 * The CTEs `wr`, `e`, `u`, `n` finishing the job with the image of CTE `rid` (one row, IMAGE_COLUMNS),
 * for a statement that defines `rid` first: `wr` is the job's workspace's Render of that image, made
 * on first use (ON CONFLICT DO UPDATE returns the row another job of the workspace made, even one
 * committed during this statement). `finish` false: the CTEs write nothing.
 */
export function finishCtes($: Params, t: FinishTarget, finish: boolean): string {
  const doIt = $.add(finish, 'boolean');
  const jobId = $.add(t.jobId, 'uuid');
  return `
    wr AS (
      INSERT INTO "Render" (id, "workspaceId", "imageId", "cacheKey", "modelId", options, width, height, "coarseSize", "createdAt")
      SELECT ${$.add(uuidv7(), 'uuid')}, p."workspaceId", rid.id, rid."cacheKey", rid."modelId", rid.options,
        rid.width, rid.height, rid."coarseSize", ${NOW_UTC}
      FROM rid, "InferenceJob" jj JOIN "Face" f ON f.id = jj."faceId" JOIN "Project" p ON p.id = f."projectId"
      WHERE jj.id = ${jobId} AND ${doIt}
      ON CONFLICT ("workspaceId", "cacheKey") DO UPDATE SET "cacheKey" = EXCLUDED."cacheKey"
      RETURNING id),
    e AS (
      UPDATE "Edit" SET "renderId" = wr.id FROM wr
      WHERE "Edit".id = ${$.add(t.editId, 'uuid')} AND ${$.add(t.setsEditRender, 'boolean')} AND ${doIt}
        AND "Edit"."renderId" IS DISTINCT FROM wr.id
      RETURNING "Edit".id),
    u AS (${jobTransitionSql('succeed', {
      // A job that reported progress ends at 1, so a progress bar reaches its end.
      set: `"renderId" = wr.id, error = NULL, "workerId" = ${$.add(t.workerId)}, "finishedAt" = ${NOW_UTC},
        progress = CASE WHEN j.progress IS NULL THEN NULL ELSE 1 END`,
      where: `j.id = ${jobId} AND ${doIt}`,
      extraFrom: 'wr',
    })}),
    n AS (SELECT ${notifyJobSql('u')}, ${notifyFaceSql('u', 'RENDER')} FROM u)`;
}

/** Finishes the job with an image that already exists. Returns whether the row changed. */
export async function finishJob(db: Queryable, t: FinishTarget & { imageId: string }): Promise<boolean> {
  const $ = new Params();
  const image = $.add(t.imageId, 'uuid');
  const r = await db.query<{ n: number }>(
    `WITH rid AS (SELECT ${IMAGE_COLUMNS} FROM "RenderImage" WHERE id = ${image}), ${finishCtes($, t, true)}
     SELECT count(*)::int AS n FROM n`,
    $.values,
  );
  return (r.rows[0]?.n ?? 0) > 0;
}
