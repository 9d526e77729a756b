// sweep-orphans: stored data nothing refers to any more, left by a crash or a late write (deletes
// remove their own in the same transaction, src/domain/sql/deletes.ts): imported pictures
// (SourceImage, personal data) that no INVERT edit names, and render images (RenderImage, with their
// depth maps) that no Render uses. Only rows older than `graceMs`: a render a stopping worker stored
// for the job it handed back is kept a while for the worker that takes the job over.
import { NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface SweptOrphans {
  sourceImages: number;
  renderImages: number;
}

export async function sweepOrphans(db: Queryable, p: { graceMs: number; limit: number }): Promise<SweptOrphans> {
  const $ = new Params();
  const before = `${NOW_UTC} - make_interval(secs => ${$.add(p.graceMs / 1000, 'float8')})`;
  const limit = $.add(p.limit, 'int');
  const r = await db.query<SweptOrphans>(
    `WITH s AS (
       DELETE FROM "SourceImage" WHERE id IN (
         SELECT s.id FROM "SourceImage" s WHERE s."createdAt" < ${before}
           AND NOT EXISTS (SELECT 1 FROM "Edit" e WHERE e.operation = 'INVERT' AND e.params->>'sourceImageId' = s.id::text)
         LIMIT ${limit})
       RETURNING 1),
     i AS (
       DELETE FROM "RenderImage" WHERE id IN (
         SELECT i.id FROM "RenderImage" i WHERE i."createdAt" < ${before}
           AND NOT EXISTS (SELECT 1 FROM "Render" r WHERE r."imageId" = i.id)
         LIMIT ${limit})
       RETURNING 1)
     SELECT (SELECT count(*)::int FROM s) AS "sourceImages", (SELECT count(*)::int FROM i) AS "renderImages"`,
    $.values,
  );
  return r.rows[0]!;
}
