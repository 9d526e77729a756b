// The shared job queue: graphile-worker's tables in the same PostgreSQL. Enqueueing is a SQL call
// made inside the caller's transaction, so an edit, its InferenceJob row and its queue entry are
// committed together or not at all. (The caller publishes JOB_UPDATED QUEUED in that transaction;
// every later status change is published by the worker, the sweeper or cancel() below.)
import { runMigrations } from 'graphile-worker';
import type { PrismaClient, Tx } from '../db/client.ts';
import { setQueueStatsSource } from '../metrics.ts';
import { JOB_DEFAULTS } from './config.ts';
import { CANCEL_JOB_SQL } from './sql/cancel.ts';
import { liveWorkerSql } from './sql/worker-registry.ts';
import { addJobSql, isRenderTaskSql } from './task.ts';
import type { JobQueue } from './types.ts';

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
    async cancel(jobId: string) {
      // A QUEUED job, or a RUNNING image inversion (src/jobs/sql/cancel.ts). A worker that already
      // locked the queue entry finds the row CANCELLED and drops the entry; remove_job stops any retry.
      const n = await prisma.$executeRawUnsafe(CANCEL_JOB_SQL, jobId);
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
       FROM graphile_worker.jobs q WHERE ${isRenderTaskSql('q')} GROUP BY 1`,
    ),
    prisma.$queryRawUnsafe<{ status: string; n: number }[]>(
      `SELECT status::text AS status, count(*)::int AS n FROM "InferenceJob"
       WHERE status IN ('QUEUED', 'RUNNING') GROUP BY 1`,
    ),
    prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "QueueWorker" w WHERE ${liveWorkerSql('w', '$1')}`,
      JOB_DEFAULTS.deadAfterMs / 1000,
    ),
  ]);
  return {
    queue: Object.fromEntries(queueRows.map((r) => [r.state, r.n])),
    jobs: Object.fromEntries(jobRows.map((r) => [r.status, r.n])),
    workersAlive: workerRows[0]?.n ?? 0,
  };
}
