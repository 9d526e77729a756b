// claim: QUEUED/RUNNING -> RUNNING (attempts + 1, workerId, startedAt, error cleared) + JOB_UPDATED, returning the
// edit's latent and the render cache lookup for plain options, in one statement. No row: the job
// is cancelled, finished or gone.
import { notifyJobSql } from '../events.ts';
import { plainRenderCacheKeySql } from '../render-key.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface ClaimedJob {
  id: string;
  kind: 'RENDER_EDIT' | 'RENDER_COMPOSITION';
  faceId: string;
  editId: string;
  modelId: string;
  options: unknown;
  attempts: number;
  maxAttempts: number;
  latent: Buffer;
  /** Queue entry due -> now, by the database clock (null: the queue entry is gone). */
  queueWaitMs: number | null;
  sinceCreatedMs: number;
  /** renderCacheKey() of the latent with no options, and the stored image with that key. */
  plainCacheKey: string;
  plainImageId: string | null;
}

export async function claimJob(
  db: Queryable,
  p: { jobId: string; workerId: string; queueJobId: string },
): Promise<ClaimedJob | undefined> {
  const $ = new Params();
  const jobId = $.add(p.jobId, 'uuid');
  const update = jobTransitionSql('claim', {
    // A running attempt has no error yet (the previous attempt's is in the log).
    set: `attempts = attempts + 1, "workerId" = ${$.add(p.workerId)}, "startedAt" = ${NOW_UTC}, "finishedAt" = NULL, error = NULL`,
    where: `j.id = ${jobId}`,
    returning: `j.kind, j."modelId", j.options, j.attempts, j."maxAttempts", j."createdAt"`,
  });
  const r = await db.query<ClaimedJob>(
    `WITH u AS (${update})
     SELECT u.id, u.kind, u."faceId", u."editId", u."modelId", u.options, u.attempts, u."maxAttempts", e.latent,
       (SELECT extract(epoch FROM clock_timestamp() - q.run_at) * 1000 FROM graphile_worker.jobs q
        WHERE q.id = ${$.add(p.queueJobId, 'bigint')})::float8 AS "queueWaitMs",
       (extract(epoch FROM clock_timestamp() - (u."createdAt" AT TIME ZONE 'UTC')) * 1000)::float8 AS "sinceCreatedMs",
       ${notifyJobSql('u')},
       -- The render cache lookup, folded in: the key for options without components (checked
       -- against the job's real key by the task) and the stored image with that key.
       k.key AS "plainCacheKey",
       (SELECT i.id::text FROM "RenderImage" i WHERE i."cacheKey" = k.key) AS "plainImageId"
     FROM u JOIN "Edit" e ON e.id = u."editId"
       CROSS JOIN LATERAL (SELECT ${plainRenderCacheKeySql('u."modelId"', 'e.latent')} AS key) k`,
    $.values,
  );
  return r.rows[0];
}
