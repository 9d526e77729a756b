// Worker liveness and takeover of a dead worker's jobs.
//
// graphile-worker leaves a job locked for 4 hours when the process holding it dies. Every worker
// process therefore keeps a QueueWorker row fresh (lastSeenAt every ~5 s) that lists the
// graphile-worker ids of its concurrent slots, and every worker runs a sweeper (~every 5 s; one at
// a time across the cluster, by advisory lock) that:
//   1. finds queue locks older than DEAD_AFTER whose locked_by is listed by no live worker, and calls
//      graphile_worker.force_unlock_workers(ids) so any worker picks the jobs up at once
//      (worst case: 20 s to be presumed dead + 5 s sweep period + pick-up, well inside 60 s);
//   2. reconciles InferenceJob rows with the queue: a RUNNING row whose queue entry is no longer
//      locked, or a QUEUED row whose entry is gone or exhausted, goes back to QUEUED with a fresh
//      queue entry (attempts left) or ends FAILED when it has no attempts left, with a JOB_UPDATED
//      event either way. So no job stays RUNNING after its worker died, and no QUEUED job is
//      stranded without a queue entry;
//   3. forgets QueueWorker rows not seen for an hour.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { notifyJobSql, NOW_UTC } from './events.ts';
import { addJobSql, RENDER_TASK } from './queue.ts';

const SWEEP_LOCK_KEY = 0x53_53_47_57; // "SSGW"

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface HeartbeatOptions {
  workerId: string;
  concurrency: number;
  modelIds: string[];
  /** graphile-worker ids of this process's slots (filled in as the pool creates them). */
  queueWorkerIds: () => string[];
  heartbeatMs: number;
  deadAfterMs: number;
  sweepMs: number;
  log: Logger;
}

export interface SweepResult {
  unlockedWorkers: string[];
  requeued: string[];
  failed: string[];
}

export class Heartbeat {
  private beatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopped = false;
  private sweepStopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: HeartbeatOptions,
  ) {}

  /** Registers the worker; call before the queue runner starts taking jobs. */
  async start(): Promise<void> {
    await this.beat();
    this.beatTimer = setInterval(() => void this.beatSafely(), this.opts.heartbeatMs);
    this.beatTimer.unref();
    this.scheduleSweep(Math.min(1000, this.opts.sweepMs));
  }

  /** Sends a heartbeat now (e.g. when new queue worker ids appear). */
  beatSoon(): void {
    setImmediate(() => void this.beatSafely());
  }

  private async beatSafely(): Promise<void> {
    if (this.stopped) return;
    // One at a time; a slow database must not pile up heartbeats.
    if (this.beating) return;
    this.beating = this.beat()
      .catch((err: Error) =>
        this.opts.log.warn({ err: err.message, workerId: this.opts.workerId }, 'worker heartbeat failed'),
      )
      .finally(() => (this.beating = undefined));
    await this.beating;
  }

  private async beat(): Promise<void> {
    const { workerId, concurrency, modelIds } = this.opts;
    // Upsert: a worker presumed dead (e.g. its host paused for 30 s) that comes back re-registers;
    // the sweeper has released its jobs meanwhile, and its own late results are harmless
    // (renders are content-addressed, status writes are guarded).
    const r = await this.pool.query<{ inserted: boolean }>(
      `INSERT INTO "QueueWorker" (id, host, pid, "queueWorkerIds", concurrency, "modelIds", "startedAt", "lastSeenAt")
       VALUES ($1, $2, $3, $4, $5, $6, now(), now())
       ON CONFLICT (id) DO UPDATE SET "lastSeenAt" = now(), "queueWorkerIds" = EXCLUDED."queueWorkerIds"
       RETURNING (xmax = 0) AS inserted`,
      [workerId, os.hostname(), process.pid, this.opts.queueWorkerIds(), concurrency, modelIds],
    );
    if (r.rows[0]?.inserted && this.beatTimer) {
      this.opts.log.warn(
        { workerId },
        'worker registration was gone (presumed dead by another worker); registered again',
      );
    }
  }

  private scheduleSweep(ms: number): void {
    if (this.stopped || this.sweepStopped) return;
    // Jitter so that workers started together do not sweep in lockstep.
    const delay = ms * (0.8 + 0.4 * Math.random());
    this.sweepTimer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then((r) => {
          if (r.unlockedWorkers.length || r.requeued.length || r.failed.length) {
            this.opts.log.warn({ ...r, sweptBy: this.opts.workerId }, 'sweeper released jobs of dead workers');
          }
        })
        .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'sweep failed'))
        .finally(() => {
          this.sweeping = undefined;
          this.scheduleSweep(this.opts.sweepMs);
        });
    }, delay);
    this.sweepTimer.unref();
  }

  /** One sweep (exposed for tests). Does nothing while another process is sweeping. */
  async sweep(): Promise<SweepResult> {
    const deadSecs = this.opts.deadAfterMs / 1000;
    const client = await this.pool.connect();
    const result: SweepResult = { unlockedWorkers: [], requeued: [], failed: [] };
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [SWEEP_LOCK_KEY]);
      if (!lock.rows[0]?.ok) {
        await client.query('ROLLBACK');
        return result;
      }
      // 1. Locks held by queue workers that no live process lists.
      const dead = await client.query<{ locked_by: string }>(
        `SELECT DISTINCT q.locked_by FROM graphile_worker.jobs q
         WHERE q.locked_by IS NOT NULL AND q.locked_at < now() - make_interval(secs => $1)
           AND NOT EXISTS (
             SELECT 1 FROM "QueueWorker" w
             WHERE w."lastSeenAt" > now() - make_interval(secs => $1) AND q.locked_by = ANY (w."queueWorkerIds"))`,
        [deadSecs],
      );
      result.unlockedWorkers = dead.rows.map((r) => r.locked_by);
      if (result.unlockedWorkers.length) {
        await client.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [result.unlockedWorkers]);
      }
      // 2. InferenceJob rows out of step with the queue. The updatedAt guard skips rows a worker is
      // touching right now (a claim bumps updatedAt, and READ COMMITTED re-checks it under the lock).
      const stale = await client.query<{ id: string; attempts: number; maxAttempts: number }>(
        `SELECT j.id, j.attempts, j."maxAttempts" FROM "InferenceJob" j
         LEFT JOIN graphile_worker.jobs q ON q.key = j.id::text AND q.task_identifier = '${RENDER_TASK}'
         WHERE j.status IN ('QUEUED', 'RUNNING') AND j."updatedAt" < ${NOW_UTC} - interval '10 seconds'
           AND (q.id IS NULL
                OR (q.locked_by IS NULL AND q.attempts >= q.max_attempts)
                OR (j.status = 'RUNNING' AND q.locked_by IS NULL))
         ORDER BY j."updatedAt" LIMIT 500`,
      );
      if (stale.rows.length) {
        const ids = stale.rows.map((r) => r.id);
        const requeued = await client.query<{ id: string }>(
          `WITH u AS (
             UPDATE "InferenceJob" j SET status = 'QUEUED', "workerId" = NULL, "updatedAt" = ${NOW_UTC},
               error = coalesce(j.error, 'the worker running this job stopped; it was queued again')
             WHERE j.id = ANY ($1::uuid[]) AND j.status IN ('QUEUED', 'RUNNING') AND j.attempts < j."maxAttempts"
               AND j."updatedAt" < ${NOW_UTC} - interval '10 seconds'
             RETURNING j.id, j."faceId", j."editId", j.status, j.attempts, j."maxAttempts")
           SELECT u.id, (${addJobSql('u')}).id AS queue_id, ${notifyJobSql('u')} FROM u`,
          [ids],
        );
        result.requeued = requeued.rows.map((r) => r.id);
        const failed = await client.query<{ id: string }>(
          `WITH u AS (
             UPDATE "InferenceJob" j SET status = 'FAILED', "workerId" = NULL, "updatedAt" = ${NOW_UTC},
               "finishedAt" = ${NOW_UTC},
               error = 'no attempts left: the worker running the last attempt stopped' ||
                       coalesce(' (earlier error: ' || j.error || ')', '')
             WHERE j.id = ANY ($1::uuid[]) AND j.status IN ('QUEUED', 'RUNNING') AND j.attempts >= j."maxAttempts"
               AND j."updatedAt" < ${NOW_UTC} - interval '10 seconds'
             RETURNING j.id, j."faceId", j."editId", j.status)
           SELECT u.id, (graphile_worker.remove_job(u.id::text)).id AS queue_id, ${notifyJobSql('u')} FROM u`,
          [ids],
        );
        result.failed = failed.rows.map((r) => r.id);
      }
      // 3. Forget workers gone for an hour (their locks were released long ago).
      await client.query(`DELETE FROM "QueueWorker" WHERE "lastSeenAt" < now() - interval '1 hour'`);
      await client.query('COMMIT');
      if (result.unlockedWorkers.length) {
        // Wake idle workers now instead of at their next poll.
        await client.query(`SELECT pg_notify('jobs:insert', json_build_object('count', 1000)::text)`).catch(() => {});
      }
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Stops heartbeats and sweeps and removes the registration (graceful shutdown, after the jobs). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.beatTimer);
    clearTimeout(this.sweepTimer);
    await this.beating;
    await this.sweeping;
    await this.pool
      .query(`DELETE FROM "QueueWorker" WHERE id = $1`, [this.opts.workerId])
      .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'could not deregister worker'));
  }

  /** Stops sweeping only (a stopping worker keeps its heartbeat while its last jobs finish). */
  stopSweeping(): void {
    this.sweepStopped = true;
    clearTimeout(this.sweepTimer);
  }
}
