// Worker liveness and takeover of a dead worker's jobs.
//
// graphile-worker leaves a job locked for 4 hours when the process holding it dies. Every worker
// process therefore keeps a QueueWorker row fresh (lastSeenAt every heartbeatMs) that lists the
// graphile-worker ids of its concurrent slots, and every worker runs a sweeper (JobsConfig.sweepMs; one at
// a time across the cluster, by advisory lock) that:
//   1. finds queue locks older than deadAfterMs whose locked_by is listed by no live worker, puts
//      their RUNNING InferenceJob rows back to QUEUED (JOB_UPDATED: subscribers see the job queued
//      again, with the reason as its error), and calls
//      graphile_worker.force_unlock_workers(ids) so any worker picks the jobs up at once
//      (worst case: 20 s to be presumed dead + 5 s sweep period + pick-up, well inside 60 s);
//   2. reconciles InferenceJob rows with the queue: a RUNNING row whose queue entry is no longer
//      locked, or a QUEUED row whose entry is gone or exhausted, goes back to QUEUED with a fresh
//      queue entry (attempts left) or ends FAILED when it has no attempts left, with a JOB_UPDATED
//      event either way. So no job stays RUNNING after its worker died, and no QUEUED job is
//      stranded without a queue entry;
//   3. deletes the QueueWorker rows of dead workers (not seen for deadAfterMs);
//   (at start, a worker also forgets at once the rows of this host whose process is gone: a server
//   killed and restarted within deadAfterMs would otherwise count its dead self alive and keep its
//   jobs locked until then);
//   4. at start and every orphanSweepMs, deletes stored data nothing refers to (imported pictures
//      no edit names, render images no Render uses: sql/sweep-orphans.ts), counted in
//      ssg_orphans_removed_total.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { JobsConfig } from './config.ts';
import { findDeadLockHolders } from './sql/dead-locks.ts';
import { unlockQueueWorkers, wakeWorkers } from './sql/release.ts';
import { orphansRemoved } from '../metrics.ts';
import { findStaleJobs } from './sql/stale-jobs.ts';
import { sweepOrphans, type SweptOrphans } from './sql/sweep-orphans.ts';
import { sweepFail } from './sql/sweep-fail.ts';
import { sweepRequeue } from './sql/sweep-requeue.ts';
import { takeOverJobs } from './sql/takeover.ts';
import {
  beatWorker,
  deleteWorkers,
  deregisterWorker,
  forgetWorkers,
  otherLocalWorkers,
} from './sql/worker-registry.ts';

const SWEEP_LOCK_KEY = 0x53_53_47_57; // "SSGW"
/** Rows reconciled per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, as another user's
  }
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface HeartbeatOptions {
  workerId: string;
  modelIds: string[];
  /** graphile-worker ids of this process's slots (filled in as the pool creates them). */
  queueWorkerIds: () => string[];
  config: Pick<
    JobsConfig,
    'concurrency' | 'heartbeatMs' | 'deadAfterMs' | 'sweepMs' | 'staleAfterMs' | 'orphanSweepMs' | 'orphanGraceMs'
  >;
  log: Logger;
}

export interface SweepResult {
  unlockedWorkers: string[];
  /** Jobs taken back from dead workers (RUNNING -> QUEUED). */
  takenOver: string[];
  requeued: string[];
  failed: string[];
  /** Set when this sweep also removed orphaned data. */
  orphans?: SweptOrphans;
}

export class Heartbeat {
  private beatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopped = false;
  private sweepStopped = false;
  /** Date.now() after which a sweep also removes orphans (0: the first sweep does). */
  private orphansDueAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: HeartbeatOptions,
  ) {}

  /** Registers the worker; call before the queue runner starts taking jobs. */
  async start(): Promise<void> {
    await this.forgetDeadLocalWorkers();
    await this.beat();
    this.beatTimer = setInterval(() => void this.beatSafely(), this.opts.config.heartbeatMs);
    this.beatTimer.unref();
    this.scheduleSweep(Math.min(1000, this.opts.config.sweepMs));
  }

  /**
   * Rows of this host whose pid no longer runs are dead for certain: their jobs go back to the
   * queue and their rows go now, not deadAfterMs later. (A pid reused by another process keeps
   * its row until the heartbeat age says otherwise. Hosts sharing a hostname with separate pid
   * namespaces would defeat the check; give each its own hostname.)
   */
  private async forgetDeadLocalWorkers(): Promise<void> {
    const dead = (await otherLocalWorkers(this.pool)).filter((w) => !processExists(w.pid));
    if (!dead.length) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const queueWorkerIds = dead.flatMap((w) => w.queueWorkerIds);
      const takenOver = queueWorkerIds.length ? await takeOverJobs(client, { queueWorkerIds }) : [];
      if (queueWorkerIds.length) await unlockQueueWorkers(client, queueWorkerIds);
      await deleteWorkers(
        client,
        dead.map((w) => w.id),
      );
      await client.query('COMMIT');
      this.opts.log.warn(
        { workers: dead.map((w) => w.id), takenOver },
        'forgot workers of this host whose process is gone',
      );
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
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
    const { workerId, modelIds } = this.opts;
    // The sweeper has released a returning worker's jobs meanwhile; its own late results are
    // harmless (renders are content-addressed, status writes are guarded).
    const inserted = await beatWorker(this.pool, {
      workerId,
      queueWorkerIds: this.opts.queueWorkerIds(),
      concurrency: this.opts.config.concurrency,
      modelIds,
    });
    if (inserted && this.beatTimer) {
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
          if (r.unlockedWorkers.length || r.takenOver.length || r.requeued.length || r.failed.length) {
            this.opts.log.warn({ ...r, sweptBy: this.opts.workerId }, 'sweeper released jobs of dead workers');
          }
          if (r.orphans && (r.orphans.sourceImages || r.orphans.renderImages)) {
            this.opts.log.info({ ...r.orphans }, 'sweeper removed stored data nothing used');
          }
        })
        .catch((err: Error) => this.opts.log.warn({ err: err.message }, 'sweep failed'))
        .finally(() => {
          this.sweeping = undefined;
          this.scheduleSweep(this.opts.config.sweepMs);
        });
    }, delay);
    this.sweepTimer.unref();
  }

  /**
   * One sweep (exposed for tests; `orphans` forces step 4). Does nothing while another process is
   * sweeping.
   */
  async sweep(opts: { orphans?: boolean } = {}): Promise<SweepResult> {
    const { deadAfterMs, staleAfterMs, orphanSweepMs, orphanGraceMs } = this.opts.config;
    const client = await this.pool.connect();
    const result: SweepResult = { unlockedWorkers: [], takenOver: [], requeued: [], failed: [] };
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [SWEEP_LOCK_KEY]);
      if (!lock.rows[0]?.ok) {
        await client.query('ROLLBACK');
        return result;
      }
      // 1. Locks held by queue workers that no live process lists.
      result.unlockedWorkers = await findDeadLockHolders(client, { deadAfterMs });
      if (result.unlockedWorkers.length) {
        result.takenOver = await takeOverJobs(client, { queueWorkerIds: result.unlockedWorkers });
        await unlockQueueWorkers(client, result.unlockedWorkers);
      }
      // 2. InferenceJob rows out of step with the queue (rows a worker is touching now are skipped).
      const stale = await findStaleJobs(client, { staleAfterMs, limit: SWEEP_BATCH });
      if (stale.length) {
        result.requeued = await sweepRequeue(client, { jobIds: stale, staleAfterMs });
        result.failed = await sweepFail(client, { jobIds: stale, staleAfterMs });
      }
      // 3. Dead workers' rows go (their locks were released above).
      await forgetWorkers(client, deadAfterMs);
      // 4. Orphaned data, now and then.
      if (opts.orphans || Date.now() >= this.orphansDueAt) {
        result.orphans = await sweepOrphans(client, { graceMs: orphanGraceMs, limit: SWEEP_BATCH });
        this.orphansDueAt = Date.now() + orphanSweepMs;
      }
      await client.query('COMMIT');
      if (result.orphans) {
        orphansRemoved.inc({ kind: 'source_image' }, result.orphans.sourceImages);
        orphansRemoved.inc({ kind: 'render_image' }, result.orphans.renderImages);
      }
      if (result.unlockedWorkers.length) await wakeWorkers(client, 1000).catch(() => {});
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
    await deregisterWorker(this.pool, this.opts.workerId).catch((err: Error) =>
      this.opts.log.warn({ err: err.message }, 'could not deregister worker'),
    );
  }

  /** Stops sweeping only (a stopping worker keeps its heartbeat while its last jobs finish). */
  stopSweeping(): void {
    this.sweepStopped = true;
    clearTimeout(this.sweepTimer);
  }
}
