// The inference worker: graphile-worker runs up to `concurrency` render jobs at once; each calls the
// model runtime, whose batcher coalesces the concurrent calls into batched model runs.
//
// One job, start to end (payload {jobId}, queue job_key = jobId):
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
// Liveness: src/jobs/heartbeat.ts. Shutdown: stop() stops taking jobs and waits for running ones up
// to `shutdownGraceMs`; whatever still runs then is released (row back to QUEUED, queue lock
// dropped) for another worker.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { Logger as QueueLogger, run, type Job, type JobHelpers, type Runner, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';
import type { AppContext } from '../context.ts';
import { LatentError } from '../inference/index.ts';
import type { RenderResult } from '../inference/types.ts';
import { jobLatency, jobOutcomes, renderCache } from '../metrics.ts';
import { JobReleasedError, PermanentJobError } from './errors.ts';
import { notifyFaceSql, notifyJobSql, NOW_UTC } from './events.ts';
import { Heartbeat, newWorkerId } from './heartbeat.ts';
import { uuidv7 } from './ids.ts';
import { RENDER_TASK, WORKER_DEAD_AFTER_MS } from './queue.ts';
import { normalizeRenderOptions, plainRenderCacheKeySql, renderCacheKey, type RenderOptions } from './render-key.ts';

export interface WorkerOptions {
  /** Jobs run at once (SSG_WORKER_CONCURRENCY); they batch together in the runtime. */
  concurrency: number;
  /** How long stop() waits for running jobs before releasing them (default 25 s). */
  shutdownGraceMs?: number;
  /** Heartbeat period (default 5 s). */
  heartbeatMs?: number;
  /** A worker not seen for this long is presumed dead and its jobs are released (default 20 s). */
  deadAfterMs?: number;
  /** Sweeper period (default 5 s). */
  sweepMs?: number;
  /** Poll period for retries scheduled in the future (new jobs arrive by LISTEN/NOTIFY; default 1 s). */
  pollIntervalMs?: number;
  /**
   * TEST ONLY: hold every job this long after claiming it, before rendering (default: the
   * SSG_TEST_JOB_DELAY_MS environment variable, else 0). Lets tests kill a worker while it holds jobs.
   */
  testJobDelayMs?: number;
  /** Called when a job attempt ends (benchmarks, tests). */
  onJobDone?: (timing: JobTiming) => void;
}

export interface JobTiming {
  jobId: string;
  outcome: 'succeeded' | 'failed' | 'retried' | 'released' | 'skipped';
  /** How the render was obtained. */
  render?: 'hit' | 'shared' | 'miss';
  /** Queue entry due (enqueued or retry time) -> claimed, by the database clock. */
  queueWaitMs: number;
  /** The model runtime call (batch wait, model run, PNG encoding); 0 on a cache hit. */
  renderMs: number;
  /** Claimed -> finished, in this process. */
  runMs: number;
  /** Job created -> finished (all attempts). */
  totalMs: number;
  /** performance.now() when the task started (queue entry locked), for in-process measurements. */
  pickedAt: number;
  /** performance.now() when the claim committed (row RUNNING). */
  claimedAt: number;
  /**
   * performance.now() when the render was obtained: found, or produced by the model (then stored
   * in the same statement as the final status write).
   */
  renderedAt: number;
}

export interface RunningWorker {
  /** This process's worker id (InferenceJob.workerId, QueueWorker.id). */
  readonly id: string;
  /** Runs the dead-worker sweeper once now (tests). */
  sweep(): ReturnType<Heartbeat['sweep']>;
  /** Graceful: stop taking jobs, finish running ones (up to shutdownGraceMs), release the rest. */
  stop(): Promise<void>;
}

interface ClaimedRow {
  id: string;
  kind: 'RENDER_EDIT' | 'RENDER_COMPOSITION';
  faceId: string;
  editId: string;
  modelId: string;
  options: unknown;
  attempts: number;
  maxAttempts: number;
  latent: Buffer;
  queueWaitMs: number | null;
  sinceCreatedMs: number;
  /** renderCacheKey() of the latent with no options, and the stored render with that key. */
  plainCacheKey: string;
  plainRenderId: string | null;
}

interface ActiveJob {
  jobId: string;
  abort: AbortController;
}

export async function startWorker(ctx: AppContext, opts: WorkerOptions): Promise<RunningWorker> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const shutdownGraceMs = opts.shutdownGraceMs ?? 25_000;
  const testDelayMs = opts.testJobDelayMs ?? (Number(process.env.SSG_TEST_JOB_DELAY_MS) || 0);
  const workerId = newWorkerId();
  const log = ctx.log.child({ workerId });
  const pool = new pg.Pool({ connectionString: ctx.databaseUrl, max: concurrency + 3 });
  pool.on('error', (err) => log.warn({ err: err.message }, 'worker database client error'));

  const queueWorkerIds = new Set<string>();
  const active = new Map<string, ActiveJob>();
  const inflight = new Map<string, Promise<string>>();

  const heartbeat = new Heartbeat(pool, {
    workerId,
    concurrency,
    modelIds: ctx.models.list().map((m) => m.id),
    queueWorkerIds: () => [...queueWorkerIds],
    heartbeatMs: opts.heartbeatMs ?? 5000,
    deadAfterMs: opts.deadAfterMs ?? WORKER_DEAD_AFTER_MS,
    sweepMs: opts.sweepMs ?? 5000,
    log,
  });
  await heartbeat.start();

  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  events.on('worker:create', ({ worker }) => {
    queueWorkerIds.add(worker.workerId);
    heartbeat.beatSoon();
  });

  // ---- the task ---------------------------------------------------------------------------------

  const claim = async (jobId: string, queueJob: Job): Promise<ClaimedRow | undefined> => {
    const r = await pool.query<ClaimedRow>(
      `WITH u AS (
         UPDATE "InferenceJob" SET status = 'RUNNING', attempts = attempts + 1, "workerId" = $2,
           "startedAt" = ${NOW_UTC}, "finishedAt" = NULL, "updatedAt" = ${NOW_UTC}
         WHERE id = $1::uuid AND status IN ('QUEUED', 'RUNNING')
         RETURNING id, kind, "faceId", "editId", "modelId", options, status, attempts, "maxAttempts", "createdAt")
       SELECT u.id, u.kind, u."faceId", u."editId", u."modelId", u.options, u.attempts, u."maxAttempts", e.latent,
         (SELECT extract(epoch FROM clock_timestamp() - q.run_at) * 1000 FROM graphile_worker.jobs q WHERE q.id = $3::bigint)::float8
           AS "queueWaitMs",
         (extract(epoch FROM clock_timestamp() - (u."createdAt" AT TIME ZONE 'UTC')) * 1000)::float8 AS "sinceCreatedMs",
         ${notifyJobSql('u')},
         -- The render cache lookup, folded in: the key for options without components (checked
         -- against the job's real key by obtainRender) and the stored render with that key.
         k.key AS "plainCacheKey",
         (SELECT r.id::text FROM "Render" r WHERE r."cacheKey" = k.key) AS "plainRenderId"
       FROM u JOIN "Edit" e ON e.id = u."editId"
         CROSS JOIN LATERAL (SELECT ${plainRenderCacheKeySql('u."modelId"', 'e.latent')} AS key) k`,
      [jobId, workerId, queueJob.id],
    );
    return r.rows[0];
  };

  // The job's success, once its render id is known: Edit.renderId (RENDER_EDIT), job SUCCEEDED +
  // renderId, JOB_UPDATED and FACE_UPDATED{RENDER}. Not guarded by workerId: if this worker was
  // presumed dead and the job handed to another, the render is still the right one
  // (content-addressed) and finishing it here saves a run. Reads the CTE `rid` (one row: id);
  // its parameters are finishParams().
  const finishCtes = `
       e AS (
         UPDATE "Edit" SET "renderId" = rid.id FROM rid
         WHERE "Edit".id = $3::uuid AND $4::boolean AND $6::boolean AND "Edit"."renderId" IS DISTINCT FROM rid.id
         RETURNING "Edit".id),
       u AS (
         UPDATE "InferenceJob" j SET status = 'SUCCEEDED', "renderId" = rid.id, error = NULL, "workerId" = $5,
           "finishedAt" = ${NOW_UTC}, "updatedAt" = ${NOW_UTC}
         FROM rid
         WHERE j.id = $1::uuid AND $6::boolean AND j.status IN ('QUEUED', 'RUNNING')
         RETURNING j.id, j."faceId", j."editId", j.status),
       n AS (SELECT ${notifyJobSql('u')}, ${notifyFaceSql('u', 'RENDER')} FROM u)`;
  /** $1..$6 of finishCtes; $2 belongs to the statement (the render id, or the cache key). */
  const finishParams = (row: ClaimedRow, renderIdOrKey: string, finish: boolean) => [
    row.id,
    renderIdOrKey,
    row.editId,
    row.kind === 'RENDER_EDIT',
    workerId,
    finish,
  ];

  /**
   * Stores a render just produced and, when `finish`, the job's success, in one statement (one
   * commit). The Render is inserted ON CONFLICT ("cacheKey") DO NOTHING, so two workers racing
   * store one; the loser uses the winner's row. Returns the render id, and whether the job row
   * was finished here (else the caller runs finishSucceeded).
   */
  const storeAndFinish = async (
    row: ClaimedRow,
    cacheKey: string,
    options: RenderOptions,
    res: RenderResult,
    finish: boolean,
  ): Promise<{ renderId: string; finished: boolean }> => {
    const coarse = Buffer.from(res.coarseMask.buffer, res.coarseMask.byteOffset, res.coarseMask.byteLength);
    const r = await pool.query<{ id: string; finished: boolean }>(
      `WITH r AS (
         INSERT INTO "Render" (id, "cacheKey", "modelId", options, width, height, "imagePng", "segmentationPng", "coarseMask", "coarseSize")
         VALUES ($7, $2, $8, $9::jsonb, $10, $11, $12, $13, $14, $15)
         ON CONFLICT ("cacheKey") DO NOTHING
         RETURNING id),
       -- The depth PNGs arrive as one binary parameter ($17, the PNGs one after another) and are
       -- cut at the offsets and lengths of $16 (a bytea[] parameter would travel as hex text).
       d AS (
         INSERT INTO "RenderDepth" ("renderId", "componentIndex", png)
         SELECT r.id, t.i - 1, substring($17::bytea FROM t.off + 1 FOR t.len)
         FROM r, unnest($16::int[], $18::int[]) WITH ORDINALITY AS t(off, len, i)),
       rid AS (
         SELECT id FROM r
         UNION ALL
         SELECT id FROM "Render" WHERE "cacheKey" = $2 AND NOT EXISTS (SELECT 1 FROM r)),
       ${finishCtes}
       SELECT rid.id::text AS id, EXISTS (SELECT 1 FROM n) AS finished FROM rid`,
      [
        ...finishParams(row, cacheKey, finish),
        uuidv7(),
        row.modelId,
        JSON.stringify(options),
        res.width,
        res.height,
        res.imagePng,
        res.segmentationPng,
        coarse,
        res.coarseSize,
        offsets(res.depthPngs),
        Buffer.concat(res.depthPngs),
        res.depthPngs.map((png) => png.byteLength),
      ],
    );
    if (r.rows[0]) return { renderId: r.rows[0].id, finished: r.rows[0].finished };
    // Two statements racing on the same key: the loser's snapshot may not see the winner's row yet
    // (and so finished nothing).
    const id = await findRender(cacheKey);
    if (!id) throw new Error(`render ${cacheKey} was neither inserted nor found`);
    return { renderId: id, finished: false };
  };

  const findRender = async (cacheKey: string): Promise<string | undefined> =>
    (await pool.query<{ id: string }>(`SELECT id FROM "Render" WHERE "cacheKey" = $1`, [cacheKey])).rows[0]?.id;

  /**
   * The render for a claimed job: stored, joined in flight, or produced now. A render produced by
   * this job is stored together with the job's success (`finished`: nothing left to write).
   */
  const obtainRender = async (
    row: ClaimedRow,
    signal: AbortSignal,
    timing: JobTiming,
  ): Promise<{ renderId: string; finished: boolean }> => {
    let options: RenderOptions;
    try {
      options = normalizeRenderOptions(row.options);
    } catch (err) {
      throw new PermanentJobError((err as Error).message);
    }
    const latentBytes = new Uint8Array(row.latent.buffer, row.latent.byteOffset, row.latent.byteLength);
    const cacheKey = renderCacheKey(row.modelId, latentBytes, options);
    // The claim looked up the key for plain options; other options need their own lookup.
    const stored = cacheKey === row.plainCacheKey ? row.plainRenderId : await findRender(cacheKey);
    if (stored) {
      timing.render = 'hit';
      return { renderId: stored, finished: false };
    }
    const running = inflight.get(cacheKey);
    if (running) {
      timing.render = 'shared';
      return { renderId: await abortable(running, signal), finished: false };
    }
    const runtime = ctx.models.get(row.modelId);
    if (!runtime) throw new Error(`model ${row.modelId} is not loaded on worker ${workerId}`);
    const { nLatent, dim, numComponents } = runtime.info.layout;
    if (row.latent.byteLength !== nLatent * dim * 4) {
      throw new PermanentJobError(
        `the edit's latent has ${row.latent.byteLength} bytes; model ${row.modelId} needs ${nLatent} x ${dim} float32 (${nLatent * dim * 4} bytes)`,
      );
    }
    let compositionMask: number[] | undefined;
    const components = options.components;
    if (components) {
      const bad = components.filter((k) => k >= numComponents);
      if (bad.length)
        throw new PermanentJobError(
          `component indices ${bad.join(', ')} do not exist in model ${row.modelId} (it has ${numComponents})`,
        );
      compositionMask = Array.from({ length: numComponents }, (_, k) => (components.includes(k) ? 1 : 0));
    }
    timing.render = 'miss';
    const produce = (async () => {
      // Copy: the Buffer's memory may be unaligned for a Float32Array view.
      const latent = new Float32Array(
        row.latent.buffer.slice(row.latent.byteOffset, row.latent.byteOffset + row.latent.byteLength),
      );
      const t0 = performance.now();
      const result = await runtime.render({ latent, compositionMask });
      timing.renderedAt = performance.now();
      timing.renderMs = timing.renderedAt - t0;
      // A released job (stop() already put its row back to QUEUED) stores the render only.
      return storeAndFinish(row, cacheKey, options, result, !signal.aborted);
    })();
    // Identical jobs in this process share the render id (they finish their own rows).
    const shared = produce.then((p) => p.renderId);
    shared.catch(() => {}); // handled by the joiners, if any
    inflight.set(cacheKey, shared);
    try {
      return await abortable(produce, signal);
    } finally {
      // Later identical requests find the stored row.
      void shared.catch(() => {}).finally(() => inflight.delete(cacheKey));
    }
  };

  const finishSucceeded = async (row: ClaimedRow, renderId: string) => {
    await pool.query(
      `WITH rid AS (SELECT $2::uuid AS id), ${finishCtes} SELECT count(*) FROM n`,
      finishParams(row, renderId, true),
    );
  };

  const finishFailed = async (jobId: string, message: string) => {
    await pool.query(
      `WITH u AS (
         UPDATE "InferenceJob" SET status = 'FAILED', error = $2, "finishedAt" = ${NOW_UTC}, "updatedAt" = ${NOW_UTC}
         WHERE id = $1::uuid AND status = 'RUNNING' AND "workerId" = $3
         RETURNING id, "faceId", "editId", status)
       SELECT ${notifyJobSql('u')} FROM u`,
      [jobId, message, workerId],
    );
  };

  const requeue = async (jobId: string, message: string | null) => {
    await pool.query(
      `WITH u AS (
         UPDATE "InferenceJob" SET status = 'QUEUED', error = coalesce($2, error), "workerId" = NULL, "updatedAt" = ${NOW_UTC}
         WHERE id = $1::uuid AND status = 'RUNNING' AND "workerId" = $3
         RETURNING id, "faceId", "editId", status)
       SELECT ${notifyJobSql('u')} FROM u`,
      [jobId, message, workerId],
    );
  };

  const renderTask = async (payload: unknown, helpers: JobHelpers): Promise<void> => {
    const jobId = (payload as { jobId?: unknown } | null)?.jobId;
    const qlog = log.child({ jobId, queueJobId: helpers.job.id });
    if (typeof jobId !== 'string') {
      qlog.error({ payload }, 'render job without a jobId; dropped');
      return;
    }
    const started = performance.now();
    const timing: JobTiming = {
      jobId,
      outcome: 'succeeded',
      queueWaitMs: 0,
      renderMs: 0,
      runMs: 0,
      totalMs: 0,
      pickedAt: started,
      claimedAt: 0,
      renderedAt: 0,
    };
    const slot: ActiveJob = { jobId, abort: new AbortController() };
    active.set(jobId, slot);
    let row: ClaimedRow | undefined;
    try {
      row = await claim(jobId, helpers.job);
      if (!row) {
        timing.outcome = 'skipped';
        qlog.info('job is cancelled, finished or gone; queue entry dropped');
        return;
      }
      timing.claimedAt = performance.now();
      timing.queueWaitMs = Math.max(0, row.queueWaitMs ?? 0);
      qlog.debug({ attempt: row.attempts, of: row.maxAttempts, editId: row.editId, model: row.modelId }, 'job started');
      if (testDelayMs > 0) await sleep(testDelayMs, undefined, { signal: slot.abort.signal }).catch(() => {});
      if (slot.abort.signal.aborted) throw new JobReleasedError('released');
      const { renderId, finished } = await obtainRender(row, slot.abort.signal, timing);
      if (!finished) {
        if (!timing.renderedAt) timing.renderedAt = performance.now();
        await finishSucceeded(row, renderId);
      }
      timing.outcome = 'succeeded';
      qlog.info(
        {
          editId: row.editId,
          renderId,
          render: timing.render,
          attempt: row.attempts,
          queueWaitMs: round(timing.queueWaitMs),
          renderMs: round(timing.renderMs),
        },
        'job succeeded',
      );
    } catch (err) {
      const e = err as Error;
      if (e instanceof JobReleasedError || slot.abort.signal.aborted) {
        // stop() already put the row back to QUEUED and dropped the queue lock; rethrowing makes
        // graphile-worker's failJob a no-op (the lock is no longer ours).
        timing.outcome = 'released';
        qlog.warn('job released to the queue (shutdown)');
        throw new JobReleasedError('released by a stopping worker');
      }
      if (!row) throw e; // the claim itself failed (database): plain retry, nothing to mirror
      const permanent = e instanceof PermanentJobError || e instanceof LatentError;
      const message = e.message || String(e);
      if (permanent || row.attempts >= row.maxAttempts) {
        timing.outcome = 'failed';
        qlog.error({ err: message, attempt: row.attempts, of: row.maxAttempts, permanent }, 'job failed');
        // If this write fails, the throw makes graphile-worker keep the entry; the sweeper then
        // reconciles the row.
        await finishFailed(jobId, message);
        return; // the queue entry is done: InferenceJob holds the outcome
      }
      timing.outcome = 'retried';
      qlog.warn({ err: message, attempt: row.attempts, of: row.maxAttempts }, 'job attempt failed; will retry');
      await requeue(jobId, message).catch((werr: Error) =>
        qlog.warn({ err: werr.message }, 'could not mirror the retry'),
      );
      throw e;
    } finally {
      active.delete(jobId);
      timing.runMs = performance.now() - started;
      timing.totalMs = row ? Math.max(0, row.sinceCreatedMs) + timing.runMs : 0;
      jobOutcomes.inc({ outcome: timing.outcome });
      if (timing.render) renderCache.inc({ result: timing.render });
      if (timing.outcome !== 'skipped') {
        jobLatency.observe({ phase: 'queue_wait' }, timing.queueWaitMs / 1000);
        jobLatency.observe({ phase: 'run' }, timing.runMs / 1000);
        if (timing.outcome === 'succeeded' || timing.outcome === 'failed') {
          jobLatency.observe({ phase: 'total' }, timing.totalMs / 1000);
        }
      }
      try {
        opts.onJobDone?.(timing);
      } catch {
        // observers never fail a job
      }
    }
  };

  // ---- the runner -------------------------------------------------------------------------------

  const runner: Runner = await run({
    connectionString: ctx.databaseUrl,
    concurrency,
    maxPoolSize: concurrency + 2,
    noHandleSignals: true, // the CLI handles SIGINT/SIGTERM and calls stop()
    pollInterval: opts.pollIntervalMs ?? 1000,
    taskList: { [RENDER_TASK]: renderTask as (payload: unknown, helpers: JobHelpers) => Promise<void> },
    logger: queueLogger(log),
    events,
    // Our own release logic runs at shutdownGraceMs; never let graphile-worker abort first.
    gracefulShutdownAbortTimeout: 2 ** 31 - 1,
  }).catch(async (err: unknown) => {
    await heartbeat.stop();
    await pool.end().catch(() => {});
    throw err;
  });
  log.info({ concurrency, models: ctx.models.list().map((m) => m.id) }, 'inference worker started');

  /** Hands running jobs back: rows to QUEUED, queue locks dropped, tasks aborted. */
  const releaseActive = async (reason: string) => {
    const ids = [...active.keys()];
    if (ids.length === 0) return;
    const r = await pool.query<{ id: string }>(
      `WITH u AS (
         UPDATE "InferenceJob" SET status = 'QUEUED', "workerId" = NULL, "updatedAt" = ${NOW_UTC}
         WHERE id = ANY ($1::uuid[]) AND status = 'RUNNING' AND "workerId" = $2
         RETURNING id, "faceId", "editId", status)
       SELECT u.id, ${notifyJobSql('u')} FROM u`,
      [ids, workerId],
    );
    await pool.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [[...queueWorkerIds]]);
    await pool.query(`SELECT pg_notify('jobs:insert', json_build_object('count', $1::int)::text)`, [ids.length]);
    log.warn({ jobs: r.rows.map((x) => x.id), reason }, 'released running jobs to the queue');
    for (const id of ids) active.get(id)?.abort.abort();
  };

  let stopping: Promise<void> | undefined;
  return {
    id: workerId,
    sweep: () => heartbeat.sweep(),
    stop() {
      stopping ??= (async () => {
        log.info({ running: active.size, graceMs: shutdownGraceMs }, 'inference worker stopping');
        heartbeat.stopSweeping(); // heartbeats go on while the last jobs finish
        const drained = runner.stop();
        const timer = sleep(shutdownGraceMs, 'timeout' as const, { ref: false });
        const first = await Promise.race([drained.then(() => 'drained' as const), timer]);
        if (first === 'timeout') {
          await releaseActive(`still running after ${shutdownGraceMs} ms of shutdown`).catch((err: Error) =>
            log.error({ err: err.message }, 'could not release running jobs; the sweeper of another worker will'),
          );
          await Promise.race([drained, sleep(10_000, undefined, { ref: false })]);
        }
        await heartbeat.stop();
        await pool.end().catch(() => {});
        log.info('inference worker stopped');
      })();
      return stopping;
    },
  };
}

/** Rejects when `signal` aborts (the promise itself runs on: its result may serve other jobs). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new JobReleasedError('released'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new JobReleasedError('released'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** Where each buffer starts in Buffer.concat(buffers). */
function offsets(buffers: Uint8Array[]): number[] {
  let at = 0;
  return buffers.map((b) => {
    const start = at;
    at += b.byteLength;
    return start;
  });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
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
