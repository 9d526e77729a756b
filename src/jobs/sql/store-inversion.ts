// store-inversion: writes the W+ an INVERT_IMAGE job found into its root edit and marks the face
// READY, + FACE_UPDATED{EDIT}; only while the face is INVERTING, so the latent is written once
// (a worker presumed dead that finishes late changes nothing). Returns the edit's latent as it is
// now: ours, or the one an earlier attempt stored.
import { notifyFaceSql } from '../events.ts';
import { NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export async function storeInversion(
  db: Queryable,
  p: { faceId: string; editId: string; latent: Buffer },
): Promise<{ latent: Buffer; stored: boolean }> {
  const $ = new Params();
  const faceId = $.add(p.faceId, 'uuid');
  const editId = $.add(p.editId, 'uuid');
  const r = await db.query<{ latent: Buffer; stored: boolean }>(
    `WITH f AS (
       UPDATE "Face" SET status = 'READY', "updatedAt" = ${NOW_UTC}
       WHERE id = ${faceId} AND status = 'INVERTING'
       RETURNING id AS "faceId"),
     e AS (
       UPDATE "Edit" SET latent = ${$.add(p.latent, 'bytea')}
       WHERE id = ${editId} AND "faceId" = ${faceId} AND EXISTS (SELECT 1 FROM f)
       RETURNING latent),
     n AS (SELECT ${notifyFaceSql('f', 'EDIT')} FROM f)
     SELECT coalesce((SELECT latent FROM e), (SELECT latent FROM "Edit" WHERE id = ${editId})) AS latent,
            EXISTS (SELECT 1 FROM e) AS stored, (SELECT count(*) FROM n) AS notified`,
    $.values,
  );
  return { latent: r.rows[0]!.latent, stored: r.rows[0]!.stored };
}

/**
 * The CTE `ff` that marks the faces of the INVERT_IMAGE jobs in CTE `u` (which returns kind and
 * "faceId") FAILED, for the statements that end a job for good (fail, sweep-fail): in the same
 * statement, so a face is never left INVERTING behind a FAILED job.
 */
export function failInversionCte(u: string): string {
  return `ff AS (
       UPDATE "Face" SET status = 'FAILED', "updatedAt" = ${NOW_UTC} FROM ${u}
       WHERE "Face".id = ${u}."faceId" AND ${u}.kind = 'INVERT_IMAGE' AND "Face".status = 'INVERTING'
       RETURNING "Face".id AS "faceId")`;
}

/** FACE_UPDATED for the faces of CTE `ff`, as a select-list item. */
export const NOTIFY_FAILED_INVERSIONS = `(SELECT count(${notifyFaceSql('ff', 'EDIT')}) FROM ff) AS "facesFailed"`;

/** The aligned source image of an INVERT_IMAGE job. */
export async function sourceImagePng(db: Queryable, p: { sourceImageId: string }): Promise<Buffer | undefined> {
  const $ = new Params();
  const r = await db.query<{ png: Buffer }>(
    `SELECT "alignedPng" AS png FROM "SourceImage" WHERE id = ${$.add(p.sourceImageId, 'uuid')}`,
    $.values,
  );
  return r.rows[0]?.png;
}
