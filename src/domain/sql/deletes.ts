// The statements of renaming and deleting projects and faces. A deletion runs them in one
// transaction: lock the faces, cancel their QUEUED jobs (queue entries removed, CANCELLED
// announced), note the renders they use, delete (edits and job rows cascade), then delete those
// renders no remaining edit or job uses, and the pictures imported for these faces (SourceImage:
// personal data, named by their INVERT root edits). Renders shared with other faces stay.
import { NOW_UTC } from '../../db/clock.ts';
import type { Tx } from '../../db/client.ts';
import { notifyJobSql } from '../../jobs/events.ts';
import { jobTransitionSql } from '../../jobs/transitions.ts';

/** Which faces a deletion takes: one face, or every face of a project. */
export type FaceSet = { faceId: string } | { projectId: string };

function facesWhere(set: FaceSet, alias: string): string {
  return 'faceId' in set ? `${alias}.id = $1::uuid` : `${alias}."projectId" = $1::uuid`;
}
const idOf = (set: FaceSet) => ('faceId' in set ? set.faceId : set.projectId);

export interface DeletedCounts {
  faces: number;
  edits: number;
  cancelledJobs: number;
  renders: number;
}

/** Deletes the faces of `set` (and, for a project, the project) with everything that hangs on them. */
export async function deleteFaces(tx: Tx, set: FaceSet): Promise<DeletedCounts> {
  const id = idOf(set);
  // Concurrent edits of these faces wait, then find them gone.
  const faces = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT f.id::text AS id FROM "Face" f WHERE ${facesWhere(set, 'f')} FOR UPDATE`,
    id,
  );
  const faceIds = faces.map((f) => f.id);
  const cancelled = await tx.$queryRawUnsafe<unknown[]>(
    `WITH u AS (${jobTransitionSql('cancel', {
      set: `"finishedAt" = ${NOW_UTC}`,
      where: `j."faceId" = ANY ($1::uuid[])`,
    })})
     SELECT (graphile_worker.remove_job(u.id::text)).id::text AS "queueJobId", ${notifyJobSql('u')}::text AS "jobEvent" FROM u`,
    faceIds,
  );
  const used = await tx.$queryRawUnsafe<{ renderIds: string[]; sourceImageIds: string[]; edits: number }[]>(
    `SELECT coalesce((SELECT array_agg(DISTINCT r) FROM (
         SELECT "renderId" AS r FROM "Edit" WHERE "faceId" = ANY ($1::uuid[]) AND "renderId" IS NOT NULL
         UNION SELECT "renderId" FROM "InferenceJob" WHERE "faceId" = ANY ($1::uuid[]) AND "renderId" IS NOT NULL) x),
       '{}')::text[] AS "renderIds",
       coalesce((SELECT array_agg(e.params->>'sourceImageId') FROM "Edit" e
         WHERE e."faceId" = ANY ($1::uuid[]) AND e.operation = 'INVERT' AND e.params->>'sourceImageId' IS NOT NULL),
       '{}')::text[] AS "sourceImageIds",
       (SELECT count(*)::int FROM "Edit" WHERE "faceId" = ANY ($1::uuid[])) AS edits`,
    faceIds,
  );
  if ('faceId' in set) await tx.$executeRawUnsafe(`DELETE FROM "Face" WHERE id = $1::uuid`, id);
  else await tx.$executeRawUnsafe(`DELETE FROM "Project" WHERE id = $1::uuid`, id); // faces cascade
  // The workspace's renders nothing uses any more, and the stored images no render then refers
  // to (images are shared across workspaces: another workspace's render keeps its image).
  const deleted = await tx.$queryRawUnsafe<{ renders: number }[]>(
    `WITH d AS (
       DELETE FROM "Render" r WHERE r.id = ANY ($1::uuid[])
         AND NOT EXISTS (SELECT 1 FROM "Edit" e WHERE e."renderId" = r.id)
         AND NOT EXISTS (SELECT 1 FROM "InferenceJob" j WHERE j."renderId" = r.id)
       RETURNING r.id, r."imageId"),
     i AS (
       DELETE FROM "RenderImage" i WHERE i.id IN (SELECT "imageId" FROM d)
         AND NOT EXISTS (SELECT 1 FROM "Render" r WHERE r."imageId" = i.id AND r.id NOT IN (SELECT id FROM d))
       RETURNING i.id)
     SELECT (SELECT count(*)::int FROM d) AS renders, (SELECT count(*)::int FROM i) AS images`,
    used[0]!.renderIds,
  );
  await tx.$executeRawUnsafe(`DELETE FROM "SourceImage" WHERE id = ANY ($1::uuid[])`, used[0]!.sourceImageIds);
  const renders = deleted[0]!.renders;
  return { faces: faceIds.length, edits: used[0]!.edits, cancelledJobs: cancelled.length, renders };
}

/** Renames a project; false when it does not exist. */
export async function renameProjectRow(tx: Tx, projectId: string, name: string): Promise<boolean> {
  return (await tx.$executeRawUnsafe(`UPDATE "Project" SET name = $2 WHERE id = $1::uuid`, projectId, name)) === 1;
}

/** Renames a face; false when it does not exist. */
export async function renameFaceRow(tx: Tx, faceId: string, name: string): Promise<boolean> {
  return (
    (await tx.$executeRawUnsafe(
      `UPDATE "Face" SET name = $2, "updatedAt" = ${NOW_UTC} WHERE id = $1::uuid`,
      faceId,
      name,
    )) === 1
  );
}
