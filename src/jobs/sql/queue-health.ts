// queue-health: how many jobs wait and how many workers are alive, for /readyz: queued work with
// no live worker to run it means edits that never render.
import { liveWorkerSql } from './worker-registry.ts';

/** What runs the statement: Prisma's raw query (the API's client) has this shape. */
export interface RawQueryable {
  $queryRawUnsafe<T>(sql: string, ...values: unknown[]): Promise<T>;
}

export async function queueHealth(
  db: RawQueryable,
  p: { deadAfterMs: number },
): Promise<{ queued: number; alive: number }> {
  const [row] = await db.$queryRawUnsafe<{ queued: number; alive: number }[]>(
    `SELECT (SELECT count(*)::int FROM "InferenceJob" WHERE status = 'QUEUED') AS queued,
            (SELECT count(*)::int FROM "QueueWorker" w WHERE ${liveWorkerSql('w', '$1')}) AS alive`,
    p.deadAfterMs / 1000,
  );
  return row!;
}
