// The shared job queue: graphile-worker's tables in the same PostgreSQL. Enqueueing is a SQL call
// made inside the caller's transaction, so an edit, its InferenceJob row and its queue entry are
// committed together or not at all.
import { runMigrations } from 'graphile-worker';
import type { Tx } from '../db/client.ts';
import type { PrismaClient } from '../db/client.ts';
import type { JobQueue } from './types.ts';

/** graphile-worker task name for rendering an InferenceJob row. */
export const RENDER_TASK = 'render';

export async function createJobQueue(databaseUrl: string, prisma: PrismaClient): Promise<JobQueue> {
  // Installs or upgrades graphile-worker's own schema (it takes its own advisory lock).
  await runMigrations({ connectionString: databaseUrl, logger: undefined });
  return {
    async enqueue(tx: Tx, jobId: string) {
      const payload = JSON.stringify({ jobId });
      await tx.$executeRaw`SELECT graphile_worker.add_job(${RENDER_TASK}, ${payload}::json, job_key := ${jobId}, max_attempts := 5)`;
    },
    async cancel(jobId: string) {
      return prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          UPDATE "InferenceJob" SET status = 'CANCELLED', "finishedAt" = now(), "updatedAt" = now()
          WHERE id = ${jobId}::uuid AND status = 'QUEUED' RETURNING id`;
        if (rows.length === 0) return false;
        await tx.$executeRaw`SELECT graphile_worker.remove_job(${jobId})`;
        return true;
      });
    },
  };
}
