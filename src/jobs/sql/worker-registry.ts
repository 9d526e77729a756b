// QueueWorker rows: a worker's registration and heartbeat, its removal, and forgetting the dead.
import os from 'node:os';
import type { Queryable } from './params.ts';

/**
 * The one test of a live worker, for the statements that ask: its row `w` was beaten within the
 * seconds of parameter `secs` (deadAfterMs / 1000). forgetWorkers deletes the rows that fail it.
 */
export const liveWorkerSql = (w: string, secs: string): string =>
  `${w}."lastSeenAt" > now() - make_interval(secs => ${secs})`;

/**
 * Upsert: a worker presumed dead (its host paused for 30 s) that comes back registers again.
 * Returns true when the row was (re)inserted.
 */
export async function beatWorker(
  db: Queryable,
  p: { workerId: string; queueWorkerIds: string[]; concurrency: number; modelIds: string[] },
): Promise<boolean> {
  const r = await db.query<{ inserted: boolean }>(
    `INSERT INTO "QueueWorker" (id, host, pid, "queueWorkerIds", concurrency, "modelIds", "startedAt", "lastSeenAt")
     VALUES ($1, $2, $3, $4, $5, $6, now(), now())
     ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now(), "queueWorkerIds" = EXCLUDED."queueWorkerIds"
     RETURNING (xmax = 0) AS inserted`,
    [p.workerId, os.hostname(), process.pid, p.queueWorkerIds, p.concurrency, p.modelIds],
  );
  return r.rows[0]?.inserted ?? false;
}

export async function deregisterWorker(db: Queryable, workerId: string): Promise<void> {
  await db.query(`DELETE FROM "QueueWorker" WHERE id = $1`, [workerId]);
}

/** Deletes workers not seen for `afterMs` (deadAfterMs: the sweeper releases their locks first). */
export async function forgetWorkers(db: Queryable, afterMs: number): Promise<number> {
  const r = await db.query(`DELETE FROM "QueueWorker" WHERE "lastSeenAt" < now() - make_interval(secs => $1)`, [
    afterMs / 1000,
  ]);
  return r.rowCount ?? 0;
}

/** Workers registered from this host by other processes: { id, pid, queueWorkerIds }. */
export async function otherLocalWorkers(
  db: Queryable,
): Promise<{ id: string; pid: number; queueWorkerIds: string[] }[]> {
  const r = await db.query<{ id: string; pid: number; queueWorkerIds: string[] }>(
    `SELECT id, pid, "queueWorkerIds" FROM "QueueWorker" WHERE host = $1 AND pid <> $2`,
    [os.hostname(), process.pid],
  );
  return r.rows;
}

export async function deleteWorkers(db: Queryable, workerIds: string[]): Promise<void> {
  await db.query(`DELETE FROM "QueueWorker" WHERE id = ANY ($1::text[])`, [workerIds]);
}
