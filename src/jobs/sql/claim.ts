// claim: QUEUED/RUNNING -> RUNNING (attempts + 1, workerId, startedAt, error cleared) + JOB_UPDATED,
// returning the edit's latent and the stored image with the job's cache key (set when it was queued),
// in one statement. No row: the job
// is cancelled, finished or gone.
import { notifyJobSql } from '../events.ts';
import { jobTransitionSql, NOW_UTC } from '../transitions.ts';
import { Params, type Queryable } from './params.ts';

export interface ClaimedJob {
  id: string;
  kind: 'RENDER_EDIT' | 'RENDER_COMPOSITION' | 'INVERT_IMAGE';
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
  /** The job's renderCacheKey() (null: queued before keys were stored), and the image stored under it. */
  cacheKey: string | null;
  storedImageId: string | null;
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
    returning: `j.kind, j."modelId", j.options, j."cacheKey", j.attempts, j."maxAttempts", j."createdAt"`,
  });
  const r = await db.query<ClaimedJob>(
    `WITH u AS (${update})
     SELECT u.id, u.kind, u."faceId", u."editId", u."modelId", u.options, u.attempts, u."maxAttempts", e.latent,
       (SELECT extract(epoch FROM clock_timestamp() - q.run_at) * 1000 FROM graphile_worker.jobs q
        WHERE q.id = ${$.add(p.queueJobId, 'bigint')})::float8 AS "queueWaitMs",
       (extract(epoch FROM clock_timestamp() - (u."createdAt" AT TIME ZONE 'UTC')) * 1000)::float8 AS "sinceCreatedMs",
       ${notifyJobSql('u')},
       -- The render cache lookup, folded in.
       u."cacheKey",
       (SELECT i.id::text FROM "RenderImage" i WHERE i."cacheKey" = u."cacheKey") AS "storedImageId"
     FROM u JOIN "Edit" e ON e.id = u."editId"`,
    $.values,
  );
  return r.rows[0];
}
