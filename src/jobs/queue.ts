// The shared job queue: graphile-worker's tables in the same PostgreSQL. Enqueueing is a SQL call
// made inside the caller's transaction, so an edit, its InferenceJob row and its queue entry are
// committed together or not at all. (The caller publishes JOB_UPDATED QUEUED in that transaction;
// every later status change is published by the worker, the sweeper or cancel() below.)
import { runMigrations } from 'graphile-worker';
import type { PrismaClient, Tx } from '../db/client.ts';
import { setQueueStatsSource } from '../metrics.ts';
import { notifyJobSql, NOW_UTC } from './events.ts';
import type { JobQueue } from './types.ts';

/** graphile-worker task name for rendering an InferenceJob row. */
export const RENDER_TASK = 'render';

/** A worker not seen for this long is presumed dead (src/jobs/heartbeat.ts). */
export const WORKER_DEAD_AFTER_MS = 20_000;

/**
 * SQL adding the queue entry for InferenceJob `alias` (job_key = the job id, so adding it again
 * replaces an unstarted entry instead of duplicating it). Its max_attempts is what the row has left.
 */
export function addJobSql(alias: string): string {
  return `graphile_worker.add_job('${RENDER_TASK}', json_build_object('jobId', ${alias}.id),
    job_key := ${alias}.id::text, max_attempts := greatest(${alias}."maxAttempts" - ${alias}.attempts, 1))`;
}

export async function createJobQueue(databaseUrl: string, prisma: PrismaClient): Promise<JobQueue> {
  // Installs or upgrades graphile-worker's own schema (it takes its own advisory lock).
  await runMigrations({ connectionString: databaseUrl, logger: undefined });
  setQueueStatsSource(() => readQueueStats(prisma));
  return {
    async enqueue(tx: Tx, jobId: string) {
      const n = await tx.$executeRawUnsafe(
        `SELECT (${addJobSql('j')}).id FROM "InferenceJob" j WHERE j.id = $1::uuid`,
        jobId,
      );
      if (n !== 1)
        throw new Error(`enqueue: InferenceJob ${jobId} does not exist (insert it in the same transaction first)`);
    },
    enqueueSql: addJobSql,
    async cancel(jobId: string) {
      // Only a QUEUED job can be cancelled. A worker that already locked the queue entry but has not
      // started yet finds the row CANCELLED and drops the entry; remove_job stops any retry.
      const n = await prisma.$executeRawUnsafe(
        `WITH u AS (
           UPDATE "InferenceJob" SET status = 'CANCELLED', "finishedAt" = ${NOW_UTC}, "updatedAt" = ${NOW_UTC}
           WHERE id = $1::uuid AND status = 'QUEUED'
           RETURNING id, "faceId", "editId", status)
         SELECT (graphile_worker.remove_job(u.id::text)).id, ${notifyJobSql('u')} FROM u`,
        jobId,
      );
      return n === 1;
    },
  };
}

async function readQueueStats(prisma: PrismaClient) {
  const [queueRows, jobRows, workerRows] = await Promise.all([
    prisma.$queryRawUnsafe<{ state: string; n: number }[]>(
      `SELECT CASE
                WHEN locked_at IS NOT NULL THEN 'locked'
                WHEN attempts >= max_attempts THEN 'failed'
                WHEN run_at > now() THEN 'scheduled'
                ELSE 'ready' END AS state,
              count(*)::int AS n
       FROM graphile_worker.jobs WHERE task_identifier = '${RENDER_TASK}' GROUP BY 1`,
    ),
    prisma.$queryRawUnsafe<{ status: string; n: number }[]>(
      `SELECT status::text AS status, count(*)::int AS n FROM "InferenceJob"
       WHERE status IN ('QUEUED', 'RUNNING') GROUP BY 1`,
    ),
    prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "QueueWorker" WHERE "lastSeenAt" > now() - make_interval(secs => $1)`,
      WORKER_DEAD_AFTER_MS / 1000,
    ),
  ]);
  return {
    queue: Object.fromEntries(queueRows.map((r) => [r.state, r.n])),
    jobs: Object.fromEntries(jobRows.map((r) => [r.status, r.n])),
    workersAlive: workerRows[0]?.n ?? 0,
  };
}
