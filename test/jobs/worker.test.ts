// The inference worker in-process: lifecycle mirrored in InferenceJob, live events, render reuse,
// retries, permanent failures, cancellation, dead-worker sweeping and graceful shutdown.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWorker, type JobTiming, type RunningWorker } from '../../src/jobs/worker.ts';
import { ModelRegistry } from '../../src/models/registry.ts';
import { schemaSdl } from '../../src/resolvers/schema.ts';
import { registry } from '../../src/metrics.ts';
import { Topics } from '../../src/pubsub/types.ts';
import {
  addEdit,
  addJob,
  collectJobEvents,
  createFace,
  jobRow,
  openJobsContext,
  queueEntry,
  waitFor,
  waitForStatus,
  type JobsTestContext,
} from './helpers.ts';

let t: JobsTestContext;

before(async () => {
  t = await openJobsContext();
});
after(async () => {
  await t?.close();
});

async function withWorker<T>(
  opts: Partial<Parameters<typeof startWorker>[1]>,
  fn: (w: RunningWorker) => Promise<T>,
): Promise<T> {
  const w = await startWorker(t.ctx, { concurrency: 4, ...opts });
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}

/** The queue entry goes right after the row's final status is written (graphile-worker's completeJob). */
async function queueGone(jobId: string): Promise<void> {
  await waitFor(`queue entry of ${jobId} to go`, async () => (await queueEntry(t.ctx, jobId)) === undefined, 5000);
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('render jobs', () => {
  test('a job goes QUEUED -> RUNNING -> SUCCEEDED, with events, and its edit gets the render', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 11);
    const faceEvents: unknown[] = [];
    const faceIt = ctx.pubsub.subscribe(Topics.FACE_UPDATED, face.faceId)[Symbol.asyncIterator]();
    void (async () => {
      for (;;) {
        const r = await faceIt.next();
        if (r.done) return;
        faceEvents.push(r.value);
      }
    })();
    await withWorker({}, async (w) => {
      const jobId = await addJob(ctx, face);
      const events = collectJobEvents(ctx, jobId);
      const job = await waitForStatus(ctx, jobId, 'SUCCEEDED');
      await waitFor('SUCCEEDED event', async () => events.statuses.includes('SUCCEEDED'), 5000);
      events.stop();
      assert.deepEqual(events.statuses.slice(-2), ['RUNNING', 'SUCCEEDED']);
      assert.equal(job.attempts, 1);
      assert.equal(job.workerId, w.id);
      assert.ok(job.startedAt && job.finishedAt && job.finishedAt >= job.startedAt);
      assert.equal(job.error, null);
      assert.ok(job.renderId);
      const edit = await ctx.prisma.edit.findUniqueOrThrow({ where: { id: face.editId } });
      assert.equal(edit.renderId, job.renderId);
      const { image: render } = await ctx.prisma.render.findUniqueOrThrow({
        where: { id: job.renderId! },
        include: { image: { include: { depths: true } } },
      });
      const info = ctx.models.get(ctx.models.demoModelId)!.info;
      assert.equal(render.width, info.resolution);
      assert.equal(render.depths.length, info.layout.numComponents);
      // The depth maps are stored byte for byte, one per component in order.
      const rendered = await ctx.models.get(ctx.models.demoModelId)!.render({ latent: face.latent });
      const depths = [...render.depths].sort((a, b) => a.componentIndex - b.componentIndex);
      assert.deepEqual(
        depths.map((d) => d.componentIndex),
        rendered.depthPngs.map((_, i) => i),
      );
      depths.forEach((d, i) => assert.ok(Buffer.from(d.png).equals(rendered.depthPngs[i]!), `depth ${i}`));
      assert.equal(Buffer.from(render.imagePng).subarray(1, 4).toString(), 'PNG');
      assert.equal(render.coarseMask.length, info.layout.numComponents * render.coarseSize ** 2 * 4);
      await waitFor('FACE_UPDATED RENDER', async () => faceEvents.length > 0, 5000);
      assert.deepEqual(faceEvents[0], { faceId: face.faceId, reason: 'RENDER' });
      await queueGone(jobId);
    });
    await faceIt.return?.();
  });

  test('renders are stored once per (model, latent, options) and reused without a model run', async () => {
    const { ctx } = t;
    const runtime = ctx.models.get(ctx.models.demoModelId)!;
    const face = await createFace(ctx, 12);
    // An undo-then-redo style repeat: a second edit with the very same latent.
    const again = await addEdit(ctx, face.faceId, face.latent);
    const timings: JobTiming[] = [];
    await withWorker({ onJobDone: (x) => timings.push(x) }, async () => {
      const images0 = runtime.stats.images;
      const hits0 = await metricValue('ssg_render_cache_total', { result: 'hit' });
      const a = await addJob(ctx, face);
      await waitForStatus(ctx, a, 'SUCCEEDED');
      const b = await addJob(ctx, { faceId: face.faceId, editId: again });
      await waitForStatus(ctx, b, 'SUCCEEDED');
      // Concurrent identical requests share one run too.
      const many = await Promise.all([1, 2, 3, 4].map(() => addEdit(ctx, face.faceId, face.latent)));
      const jobs = await Promise.all(many.map((editId) => addJob(ctx, { faceId: face.faceId, editId })));
      for (const id of jobs) await waitForStatus(ctx, id, 'SUCCEEDED');
      assert.equal(runtime.stats.images - images0, 1, 'the model ran once for six renders of one latent');
      const rows = await ctx.prisma.inferenceJob.findMany({ where: { id: { in: [a, b, ...jobs] } } });
      assert.equal(new Set(rows.map((r) => r.renderId)).size, 1);
      const edits = await ctx.prisma.edit.findMany({ where: { id: { in: [face.editId, again, ...many] } } });
      assert.ok(
        edits.every((e) => e.renderId === rows[0]!.renderId),
        'each edit points at the one render',
      );
      const shared = await ctx.prisma.render.findUniqueOrThrow({ where: { id: rows[0]!.renderId! } });
      assert.equal(await ctx.prisma.renderImage.count({ where: { cacheKey: shared.cacheKey } }), 1);
      assert.ok((await metricValue('ssg_render_cache_total', { result: 'hit' })) > hits0);

      // Composition renders: component order does not matter; a different subset is a new render.
      const c1 = await addJob(ctx, {
        ...face,
        kind: 'RENDER_COMPOSITION',
        options: { components: [0, 1, 7], componentNames: ['x'] },
      });
      const c2 = await addJob(ctx, { ...face, kind: 'RENDER_COMPOSITION', options: { components: [7, 0, 1, 1] } });
      const j1 = await waitForStatus(ctx, c1, 'SUCCEEDED');
      const j2 = await waitForStatus(ctx, c2, 'SUCCEEDED');
      assert.equal(j1.renderId, j2.renderId);
      assert.notEqual(j1.renderId, rows[0]!.renderId);
      const edit = await ctx.prisma.edit.findUniqueOrThrow({ where: { id: face.editId } });
      assert.equal(edit.renderId, rows[0]!.renderId, 'a composition render leaves the edit alone');
      const render = await ctx.prisma.render.findUniqueOrThrow({ where: { id: j1.renderId! } });
      assert.deepEqual(render.options, { components: [0, 1, 7] });
    });
    assert.ok(timings.some((x) => x.render === 'miss') && timings.some((x) => x.render === 'hit'));
  });

  test('a transient failure retries with backoff, then ends FAILED with a short reason; the edit stays usable', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 13);
    // A worker whose model runtime has gone (closed): every attempt fails with a runtime error.
    const broken = await ModelRegistry.open({
      modelsDir: ctx.config.modelsDir,
      demoModel: true,
      executionProviders: ['cpu'],
      batchWindowMs: 2,
      maxBatch: 8,
      log: ctx.log,
    });
    await broken.close();
    const w = await startWorker({ ...ctx, models: broken }, { concurrency: 4 });
    try {
      const jobId = await addJob(ctx, { ...face, maxAttempts: 2 });
      const events = collectJobEvents(ctx, jobId);
      const first = await waitFor('first attempt to fail', async () => {
        const j = await jobRow(ctx, jobId);
        return j.attempts === 1 && j.status === 'QUEUED' && j.error ? j : undefined;
      });
      assert.match(first.error!, /will be retried/);
      // graphile-worker records the failure right after the row went back to QUEUED.
      const entry = await waitFor('the retry to be scheduled', async () => {
        const e = await queueEntry(ctx, jobId);
        return e && e.locked_by === null && e.attempts === 1 ? e : undefined;
      });
      assert.ok(entry.run_at.getTime() > Date.now() + 500, 'the retry is scheduled with a backoff');
      const failed = await waitForStatus(ctx, jobId, 'FAILED', 20_000);
      assert.equal(failed.attempts, 2);
      assert.ok(failed.finishedAt);
      // Tenants read a short reason; the worker (host:pid) and the stack are for operators only.
      assert.match(failed.error!, /no attempts left/);
      assert.ok(!failed.error!.includes(w.id) && !failed.error!.includes(String(process.pid)), failed.error!);
      assert.ok(!failed.error!.includes('model runtime is closed'));
      assert.ok(failed.errorDetail!.startsWith(`worker ${w.id}: Error: model runtime is closed`), failed.errorDetail!);
      assert.match(failed.errorDetail!, /\n\s+at /, 'with the stack');
      await queueGone(jobId);
      await waitFor('FAILED event', async () => events.statuses.includes('FAILED'), 5000);
      events.stop();
      assert.deepEqual(events.statuses, ['RUNNING', 'QUEUED', 'RUNNING', 'FAILED']);
    } finally {
      await w.stop();
    }
    // The API never serves errorDetail.
    assert.ok(!(await schemaSdl()).includes('errorDetail'));
    // A later render of the same edit works.
    await withWorker({}, async () => {
      const retry = await addJob(ctx, face);
      const ok = await waitForStatus(ctx, retry, 'SUCCEEDED');
      const edit = await ctx.prisma.edit.findUniqueOrThrow({ where: { id: face.editId } });
      assert.equal(edit.renderId, ok.renderId);
    });
  });

  test('a permanent failure (corrupt latent) fails at once, without retries', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 14);
    const corrupt = await addEdit(ctx, face.faceId, new Uint8Array(1000));
    const nan = new Float32Array(face.latent);
    nan[5] = Number.NaN;
    const withNaN = await addEdit(ctx, face.faceId, nan);
    const outOfRange = face;
    await withWorker({}, async () => {
      const a = await addJob(ctx, { faceId: face.faceId, editId: corrupt });
      const b = await addJob(ctx, { faceId: face.faceId, editId: withNaN });
      const c = await addJob(ctx, { ...outOfRange, kind: 'RENDER_COMPOSITION', options: { components: [0, 99] } });
      for (const [id, re] of [
        [a, /1000 bytes/],
        [b, /finite|NaN/i],
        [c, /99/],
      ] as const) {
        const j = await waitForStatus(ctx, id, 'FAILED', 10_000);
        assert.equal(j.attempts, 1, `${id} failed on its first attempt`);
        assert.equal(j.maxAttempts, 5);
        assert.match(j.error!, re);
        await queueGone(id);
      }
      const edit = await ctx.prisma.edit.findUniqueOrThrow({ where: { id: corrupt } });
      assert.ok(edit.latent.length === 1000, 'the edit is untouched');
    });
  });

  test('cancel: a QUEUED job is cancelled and never runs; a finished one cannot be', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 15);
    const jobId = await addJob(ctx, face); // no worker is running
    const events = collectJobEvents(ctx, jobId);
    assert.equal(await ctx.jobs.cancel(jobId), true);
    assert.equal(await ctx.jobs.cancel(jobId), false);
    const j = await jobRow(ctx, jobId);
    assert.equal(j.status, 'CANCELLED');
    assert.ok(j.finishedAt);
    assert.equal(await queueEntry(ctx, jobId), undefined);
    await waitFor('CANCELLED event', async () => events.statuses.includes('CANCELLED'), 5000);
    events.stop();
    await withWorker({}, async () => {
      const done = await addJob(ctx, face);
      await waitForStatus(ctx, done, 'SUCCEEDED');
      assert.equal(await ctx.jobs.cancel(done), false);
    });
    assert.equal((await jobRow(ctx, jobId)).status, 'CANCELLED');
  });

  test('a cancelled job whose queue entry a worker already locked is dropped, not run', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 16);
    const jobId = await addJob(ctx, face);
    // The API cancels between the worker's lock and its claim: simulate with a direct status write.
    await ctx.prisma.inferenceJob.update({ where: { id: jobId }, data: { status: 'CANCELLED' } });
    await withWorker({}, async () => {
      await waitFor('queue entry dropped', async () => (await queueEntry(ctx, jobId)) === undefined, 10_000);
    });
    const j = await jobRow(ctx, jobId);
    assert.equal(j.status, 'CANCELLED');
    assert.equal(j.attempts, 0);
  });
});

describe('takeover and shutdown', () => {
  test('the sweeper releases jobs locked by a worker that stopped sending heartbeats', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 21);
    const jobId = await addJob(ctx, face);
    // A worker that took the job and died: queue entry locked 30 s ago by an id no live worker lists,
    // the row RUNNING under that worker.
    await ctx.prisma.$executeRawUnsafe(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'worker-dead', locked_at = now() - interval '30 seconds', attempts = 1 WHERE key = $1`,
      jobId,
    );
    await ctx.prisma.$executeRawUnsafe(
      `UPDATE "InferenceJob" SET status = 'RUNNING', attempts = 1, "workerId" = 'host:1:dead', "updatedAt" = timezone('UTC', now()) - interval '30 seconds' WHERE id = $1::uuid`,
      jobId,
    );
    // The dead process's registration, last seen 30 s ago.
    await ctx.prisma.queueWorker.create({
      data: {
        id: 'host:1:dead',
        host: 'host',
        pid: 1,
        queueWorkerIds: ['worker-dead'],
        concurrency: 1,
        modelIds: [ctx.models.demoModelId],
        lastSeenAt: new Date(Date.now() - 30_000),
      },
    });
    const events = collectJobEvents(ctx, jobId);
    await withWorker({ sweepMs: 60_000 }, async (w) => {
      // Nobody takes a job that is locked.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await jobRow(ctx, jobId)).status, 'RUNNING');
      const swept = await w.sweep();
      assert.deepEqual(swept.unlockedWorkers, ['worker-dead']);
      assert.deepEqual(swept.takenOver, [jobId]);
      const j = await waitForStatus(ctx, jobId, 'SUCCEEDED', 10_000);
      assert.equal(j.attempts, 2);
      assert.equal(j.workerId, w.id);
      assert.equal(j.error, null);
      // Subscribers read the takeover as the job queued again, then running on the new worker.
      await waitFor('the SUCCEEDED event', async () => events.statuses.includes('SUCCEEDED'), 5000);
      assert.deepEqual(events.statuses, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
      // The dead worker's row is gone with the sweep, not an hour later.
      assert.equal(await ctx.prisma.queueWorker.count({ where: { id: 'host:1:dead' } }), 0);
    });
    events.stop();
  });

  test('the sweeper re-queues a RUNNING row whose queue entry is gone, and fails one with no attempts left', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 22);
    const lost = await addJob(ctx, face);
    const exhausted = await addJob(ctx, { ...face, maxAttempts: 1 });
    for (const [id, attempts] of [
      [lost, 1],
      [exhausted, 1],
    ] as const) {
      await ctx.prisma.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs WHERE key = $1`, id);
      await ctx.prisma.$executeRawUnsafe(
        `UPDATE "InferenceJob" SET status = 'RUNNING', attempts = $2, "workerId" = 'host:1:dead', "updatedAt" = timezone('UTC', now()) - interval '30 seconds' WHERE id = $1::uuid`,
        id,
        attempts,
      );
    }
    await withWorker({ sweepMs: 60_000 }, async (w) => {
      const swept = await w.sweep();
      assert.deepEqual(swept.requeued, [lost]);
      assert.deepEqual(swept.failed, [exhausted]);
      await waitForStatus(ctx, lost, 'SUCCEEDED', 10_000);
      const f = await jobRow(ctx, exhausted);
      assert.equal(f.status, 'FAILED');
      assert.match(f.error!, /no attempts left/);
    });
  });

  test('stop() lets running jobs finish', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 23);
    const w = await startWorker(ctx, { concurrency: 2, testJobDelayMs: 800, shutdownGraceMs: 10_000 });
    const jobId = await addJob(ctx, face);
    await waitForStatus(ctx, jobId, 'RUNNING', 10_000);
    await w.stop();
    const j = await jobRow(ctx, jobId);
    assert.equal(j.status, 'SUCCEEDED');
    assert.equal(await ctx.prisma.queueWorker.count({ where: { id: w.id } }), 0, 'the worker deregistered');
  });

  test('stop() releases jobs still running after the grace period; another worker finishes them', async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 24);
    const w = await startWorker(ctx, { concurrency: 2, testJobDelayMs: 60_000, shutdownGraceMs: 300 });
    const jobId = await addJob(ctx, face);
    await waitForStatus(ctx, jobId, 'RUNNING', 10_000);
    const events = collectJobEvents(ctx, jobId);
    const t0 = Date.now();
    await w.stop();
    assert.ok(Date.now() - t0 < 5000, 'stop() did not wait for the held job');
    const j = await jobRow(ctx, jobId);
    assert.equal(j.status, 'QUEUED');
    assert.equal(j.workerId, null);
    const entry = await queueEntry(ctx, jobId);
    assert.ok(entry && entry.locked_by === null, 'the queue lock was dropped');
    await withWorker({}, async (w2) => {
      const done = await waitForStatus(ctx, jobId, 'SUCCEEDED', 10_000);
      assert.equal(done.workerId, w2.id);
    });
    events.stop();
    assert.deepEqual(events.statuses, ['QUEUED', 'RUNNING', 'SUCCEEDED']);
  });
});
