// store-inversion: writes the W+ an INVERT_IMAGE job found into its root edit and marks the face
// READY, + FACE_UPDATED{EDIT}; only while the face is INVERTING, so the latent is written once
// (a worker presumed dead that finishes late changes nothing). The reconstruction's PSNR goes into
// the edit's params (`psnr`, dB): a low one says the picture is not like the model's faces, and
// clients warn. Returns the edit's latent as it is
// now (ours, or the one an earlier attempt stored) and the face's status: FAILED (the import was
// cancelled) or no face at all (deleted) means there is nothing left to render.
import { notifyFaceSql } from '../events.ts';
import { NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface StoredInversion {
  /** Null when the face (and its edit) is gone. */
  latent: Buffer | null;
  stored: boolean;
  /** Null when the face is gone. */
  faceStatus: string | null;
}

export async function storeInversion(
  db: Queryable,
  p: { faceId: string; editId: string; latent: Buffer; psnr?: number },
): Promise<StoredInversion> {
  const $ = new Params();
  const faceId = $.add(p.faceId, 'uuid');
  const editId = $.add(p.editId, 'uuid');
  const psnr = $.add(p.psnr ?? null, 'float8');
  const r = await db.query<StoredInversion>(
    `WITH f AS (
       UPDATE "Face" SET status = 'READY', "updatedAt" = ${NOW_UTC}
       WHERE id = ${faceId} AND status = 'INVERTING'
       RETURNING id AS "faceId"),
     e AS (
       UPDATE "Edit" SET latent = ${$.add(p.latent, 'bytea')},
         params = CASE WHEN ${psnr} IS NULL THEN params ELSE params || jsonb_build_object('psnr', ${psnr}) END
       WHERE id = ${editId} AND "faceId" = ${faceId} AND EXISTS (SELECT 1 FROM f)
       RETURNING latent),
     n AS (SELECT ${notifyFaceSql('f', 'EDIT')} FROM f)
     SELECT coalesce((SELECT latent FROM e), (SELECT latent FROM "Edit" WHERE id = ${editId})) AS latent,
            EXISTS (SELECT 1 FROM e) AS stored,
            CASE WHEN EXISTS (SELECT 1 FROM f) THEN 'READY'
                 ELSE (SELECT status::text FROM "Face" WHERE id = ${faceId}) END AS "faceStatus",
            (SELECT count(*) FROM n) AS notified`,
    $.values,
  );
  const row = r.rows[0]!;
  return { latent: row.latent, stored: row.stored, faceStatus: row.faceStatus };
}

/**
 * The CTE `ff` that marks the faces of the INVERT_IMAGE jobs in CTE `u` (which returns kind and
 * "faceId") FAILED with `reason` (an SQL expression over `u`), for the statements that end a job
 * for good (fail, sweep-fail, cancel): in the same statement, so a face is never left INVERTING
 * behind a finished job, and its FACE_NOT_READY says why.
 */
export function failInversionCte(u: string, reason: string): string {
  return `ff AS (
       UPDATE "Face" SET status = 'FAILED', "failureReason" = ${reason}, "updatedAt" = ${NOW_UTC} FROM ${u}
       WHERE "Face".id = ${u}."faceId" AND ${u}.kind = 'INVERT_IMAGE' AND "Face".status = 'INVERTING'
       RETURNING "Face".id AS "faceId")`;
}

/** failInversionCte's reason for a job that failed: its error (CTE `u` returns j.error). */
export const jobErrorReason = (u: string) => `'its inversion job failed: ' || coalesce(${u}.error, 'no reason given')`;

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
