// dead-locks: graphile-worker ids holding queue locks older than `deadAfterMs` that no live
// QueueWorker lists (their process died).
import type { Queryable } from './params.ts';
import { liveWorkerSql } from './worker-registry.ts';

export async function findDeadLockHolders(db: Queryable, p: { deadAfterMs: number }): Promise<string[]> {
  const r = await db.query<{ locked_by: string }>(
    `SELECT DISTINCT q.locked_by FROM graphile_worker.jobs q
     WHERE q.locked_by IS NOT NULL AND q.locked_at < now() - make_interval(secs => $1)
       AND NOT EXISTS (
         SELECT 1 FROM "QueueWorker" w
         WHERE ${liveWorkerSql('w', '$1')} AND q.locked_by = ANY (w."queueWorkerIds"))`,
    [p.deadAfterMs / 1000],
  );
  return r.rows.map((x) => x.locked_by);
}
