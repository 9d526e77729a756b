// The inference worker: graphile-worker runs up to `concurrency` render jobs at once; each calls the
// model runtime, whose batcher coalesces the concurrent calls into batched model runs.
//
// One job, start to end (task render:<modelId>, payload {jobId}, queue job_key = jobId; a worker
// lists only the tasks of the models it has loaded, src/jobs/task.ts):
//   claim     InferenceJob QUEUED -> RUNNING (attempts+1, workerId, startedAt) + JOB_UPDATED, and the
//             edit's latent, in one statement. A row that is CANCELLED or already finished drops
//             the queue entry without running anything.
//   render    cacheKey = sha256(model id, latent bytes, canonical options). A stored Render with that
//             key is reused (no model run; the claim already looked it up for plain options); an
//             identical render in flight in this process is joined; otherwise the model runs and the
//             Render is inserted ON CONFLICT (cacheKey) DO NOTHING and re-read, so two workers racing
//             store one render.
//   finish    Edit.renderId (RENDER_EDIT), job SUCCEEDED + renderId + finishedAt, JOB_UPDATED and
//             FACE_UPDATED{reason: RENDER}, in one statement; after a model run, the same statement
//             that stores the Render and its depth maps (one commit).
//   failure   PermanentJobError / LatentError (corrupt latent, bad options) or the last attempt:
//             FAILED with the error, queue entry dropped. Anything else: back to QUEUED with the
//             error, and graphile-worker retries after e^attempt seconds (2.7 s, 7.4 s, 20 s, ...).
//
// Status changes: src/jobs/transitions.ts (the allowed ones) and src/jobs/sql/ (one statement per
// module). Timings: src/jobs/config.ts. Liveness: src/jobs/heartbeat.ts. Shutdown: stop() stops taking jobs and waits for running ones up
// to `shutdownGraceMs`; whatever still runs then is released (row back to QUEUED, queue lock
// dropped) for another worker.
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { Logger as QueueLogger, run, type JobHelpers, type Runner, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';
import type { ModelRegistry } from '../models/registry.ts';
import { jobsConfig, type JobsConfig } from './config.ts';
import { Heartbeat, newWorkerId } from './heartbeat.ts';
import type { JobTiming } from './job-timing.ts';
import { RenderSource } from './obtain-render.ts';
import { createRenderTask } from './render-task.ts';
import { releaseJobs } from './sql/release.ts';
import { renderTask as renderTaskName } from './task.ts';

export type { JobTiming };

export interface WorkerOptions extends Partial<Omit<JobsConfig, 'concurrency'>> {
  /** Jobs run at once (SSG_WORKER_CONCURRENCY); they batch together in the runtime. */
  concurrency: number;
  /**
   * TEST ONLY: hold every job this long after claiming it, before rendering (default 0; the CLI
   * passes SSG_TEST_JOB_DELAY_MS). Lets tests kill a worker while it holds jobs.
   */
  testJobDelayMs?: number;
  /** Called when a job attempt ends (benchmarks, tests). */
  onJobDone?: (timing: JobTiming) => void;
}

export interface RunningWorker {
  /** This process's worker id (InferenceJob.workerId, QueueWorker.id). */
  readonly id: string;
  /** Runs the sweeper once now (tests; `orphans: true` also removes orphaned data). */
  sweep(opts?: Parameters<Heartbeat['sweep']>[0]): ReturnType<Heartbeat['sweep']>;
  /** Graceful: stop taking jobs, finish running ones (up to shutdownGraceMs), release the rest. */
  stop(): Promise<void>;
}

/** What a worker takes from its process (the AppContext has all of it). */
export interface WorkerDeps {
  /** The worker opens its own pool on it (graphile-worker's connections and the job statements). */
  databaseUrl: string;
  /** The models this process loaded: the worker takes the jobs of these alone. */
  models: ModelRegistry;
  log: Logger;
}

export async function startWorker(ctx: WorkerDeps, opts: WorkerOptions): Promise<RunningWorker> {
  const { concurrency, testJobDelayMs, onJobDone, ...overrides } = opts;
  const config = jobsConfig(concurrency, overrides);
  const workerId = newWorkerId();
  const log = ctx.log.child({ workerId });
  // One pool for the process: graphile-worker's connections and the job statements.
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: config.poolSize });
  pool.on('error', (err) => log.warn({ err: err.message }, 'worker database client error'));
  const modelIds = ctx.models.list().map((m) => m.id);

  const queueWorkerIds = new Set<string>();
  const active = new Map<string, AbortController>();
  const heartbeat = new Heartbeat(pool, { workerId, modelIds, queueWorkerIds: () => [...queueWorkerIds], config, log });
  await heartbeat.start();
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  events.on('worker:create', ({ worker }) => {
    queueWorkerIds.add(worker.workerId);
    heartbeat.beatSoon();
  });

  const renderTask = createRenderTask({
    db: pool,
    workerId,
    renders: new RenderSource(pool, ctx.models, workerId),
    models: ctx.models,
    active,
    testDelayMs: testJobDelayMs ?? 0,
    onJobDone,
    log,
  });
  const runner: Runner = await run({
    pgPool: pool,
    concurrency: config.concurrency,
    noHandleSignals: true, // the CLI handles SIGINT/SIGTERM and calls stop()
    pollInterval: config.pollIntervalMs,
    // Only the tasks of the models loaded here: jobs of any other model are never handed to this process.
    taskList: Object.fromEntries(
      modelIds.map((id) => [
        renderTaskName(id),
        renderTask as (payload: unknown, helpers: JobHelpers) => Promise<void>,
      ]),
    ),
    logger: queueLogger(log),
    events,
    // Our own release logic runs at shutdownGraceMs; never let graphile-worker abort first.
    gracefulShutdownAbortTimeout: 2 ** 31 - 1,
  }).catch(async (err: unknown) => {
    await heartbeat.stop();
    await pool.end().catch(() => {});
    throw err;
  });
  log.info({ concurrency: config.concurrency, models: modelIds }, 'inference worker started');

  /** Hands running jobs back: rows to QUEUED, queue locks dropped, tasks aborted. */
  const releaseActive = async (reason: string) => {
    const jobIds = [...active.keys()];
    if (jobIds.length === 0) return;
    const released = await releaseJobs(pool, { jobIds, workerId, queueWorkerIds: [...queueWorkerIds] });
    log.warn({ jobs: released, reason }, 'released running jobs to the queue');
    for (const id of jobIds) active.get(id)?.abort();
  };

  let stopping: Promise<void> | undefined;
  return {
    id: workerId,
    sweep: (opts) => heartbeat.sweep(opts),
    stop() {
      stopping ??= (async () => {
        const graceMs = config.shutdownGraceMs;
        log.info({ running: active.size, graceMs }, 'inference worker stopping');
        heartbeat.stopSweeping(); // heartbeats go on while the last jobs finish
        const drained = runner.stop();
        const timer = sleep(graceMs, 'timeout' as const, { ref: false });
        const first = await Promise.race([drained.then(() => 'drained' as const), timer]);
        if (first === 'timeout') {
          await releaseActive(`still running after ${graceMs} ms of shutdown`).catch((err: Error) =>
            log.error({ err: err.message }, 'could not release running jobs; the sweeper of another worker will'),
          );
          await Promise.race([drained, sleep(config.releaseWaitMs, undefined, { ref: false })]);
        }
        await heartbeat.stop();
        await pool.end().catch(() => {});
        log.info('inference worker stopped');
      })();
      return stopping;
    },
  };
}

/** graphile-worker's log lines through pino; its per-job lines are ours to write. */
function queueLogger(log: Logger): QueueLogger {
  const qlog = log.child({ component: 'graphile-worker' });
  return new QueueLogger(() => (level, message) => {
    if (level === 'error') {
      // "Failed task ..." repeats the job failure we already logged with context.
      if (message.startsWith('Failed task')) qlog.debug(message);
      else qlog.error(message);
    } else if (level === 'warning') qlog.warn(message);
    else if (level === 'info') qlog.debug(message);
    else qlog.trace(message);
  });
}
