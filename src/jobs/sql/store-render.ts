// store-render: inserts a render image just produced (image, segmentation, coarse mask, depth maps)
// and, when `finish`, the job's success with its workspace's Render, in one statement (one commit).
// ON CONFLICT ("cacheKey") DO NOTHING: two workers racing store one image; the loser reads the
// winner's row. A finishing job that was cancelled or deleted (its face or project) while the model
// ran stores nothing (JobGoneError): a late result must not bring back what a delete removed.
import type { RenderResult } from '../../inference/types.ts';
import { JobGoneError } from '../errors.ts';
import { uuidv7 } from '../../db/ids.ts';
import { NOW_UTC } from '../transitions.ts';
import type { RenderOptions } from '../render-key.ts';
import { findRenderImage } from './find-render.ts';
import { finishCtes, IMAGE_COLUMNS, type FinishTarget } from './finish.ts';
import { Params, type Queryable } from './params.ts';

export async function storeRender(
  db: Queryable,
  p: { cacheKey: string; modelId: string; options: RenderOptions; result: RenderResult; finish: boolean },
  target: FinishTarget,
): Promise<{ imageId: string; finished: boolean }> {
  const res = p.result;
  const coarse = Buffer.from(res.coarseMask.buffer, res.coarseMask.byteOffset, res.coarseMask.byteLength);
  const $ = new Params();
  const key = $.add(p.cacheKey, 'text');
  // Typed: the row is a SELECT (guarded by the job being neither deleted nor cancelled), whose parameters take no type from the columns.
  const values = [
    $.add(uuidv7(), 'uuid'),
    key,
    $.add(p.modelId, 'text'),
    $.add(JSON.stringify(p.options), 'jsonb'),
    $.add(res.width, 'int'),
    $.add(res.height, 'int'),
    $.add(res.imagePng, 'bytea'),
    $.add(res.segmentationPng, 'bytea'),
    $.add(coarse, 'bytea'),
    $.add(res.coarseSize, 'int'),
    NOW_UTC,
  ].join(', ');
  const jobLive = `(NOT ${$.add(p.finish, 'boolean')} OR EXISTS (
    SELECT 1 FROM "InferenceJob" WHERE id = ${$.add(target.jobId, 'uuid')} AND status <> 'CANCELLED'))`;
  const r = await db.query<{ id: string | null; finished: boolean; live: boolean }>(
    `WITH r AS (
       INSERT INTO "RenderImage" (id, "cacheKey", "modelId", options, width, height, "imagePng", "segmentationPng", "coarseMask", "coarseSize", "createdAt")
       SELECT ${values} WHERE ${jobLive}
       ON CONFLICT ("cacheKey") DO NOTHING
       RETURNING ${IMAGE_COLUMNS}),
     -- The depth PNGs travel as one binary parameter (the PNGs one after another), cut at their
     -- offsets and lengths (a bytea[] parameter would travel as hex text).
     d AS (
       INSERT INTO "RenderDepth" ("imageId", "componentIndex", png)
       SELECT r.id, t.i - 1, substring(${$.add(Buffer.concat(res.depthPngs), 'bytea')} FROM t.off + 1 FOR t.len)
       FROM r, unnest(${$.add(offsets(res.depthPngs), 'int[]')}, ${$.add(
         res.depthPngs.map((png) => png.byteLength),
         'int[]',
       )}) WITH ORDINALITY AS t(off, len, i)),
     rid AS (
       SELECT ${IMAGE_COLUMNS} FROM r
       UNION ALL
       SELECT ${IMAGE_COLUMNS} FROM "RenderImage" WHERE "cacheKey" = ${key} AND NOT EXISTS (SELECT 1 FROM r)),
     ${finishCtes($, target, p.finish)}
     SELECT (SELECT id::text FROM rid) AS id, EXISTS (SELECT 1 FROM n) AS finished, ${jobLive} AS live`,
    $.values,
  );
  const row = r.rows[0]!;
  if (!row.live) throw new JobGoneError('the job was cancelled or its face deleted while it rendered');
  if (row.id) return { imageId: row.id, finished: row.finished };
  // Two statements racing on the same key: the loser's snapshot may not see the winner's row yet
  // (and so finished nothing).
  const id = await findRenderImage(db, p.cacheKey);
  if (!id) throw new Error(`render image ${p.cacheKey} was neither inserted nor found`);
  return { imageId: id, finished: false };
}

/** Where each buffer starts in Buffer.concat(buffers). */
function offsets(buffers: Uint8Array[]): number[] {
  let at = 0;
  return buffers.map((b) => {
    const start = at;
    at += b.byteLength;
    return start;
  });
}
