// Each job statement (src/jobs/sql) on its own against a real database, and every entry of the
// transition table (src/jobs/transitions.ts): from each status, a statement changes the row
// exactly when the table allows it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { RenderResult } from '../../src/inference/types.ts';
import { CANCEL_JOB_SQL, CANCEL_RUNNING_SQL } from '../../src/jobs/sql/cancel.ts';
import { claimJob } from '../../src/jobs/sql/claim.ts';
import { findDeadLockHolders } from '../../src/jobs/sql/dead-locks.ts';
import { failJob } from '../../src/jobs/sql/fail.ts';
import { queueJob } from '../../src/domain/sql/edit-writes.ts';
import { renderCacheKey } from '../../src/jobs/render-key.ts';
import { findRenderImage } from '../../src/jobs/sql/find-render.ts';
import { finishJob } from '../../src/jobs/sql/finish.ts';
import { releaseJobs } from '../../src/jobs/sql/release.ts';
import { retryJob } from '../../src/jobs/sql/retry.ts';
import { queueHealth } from '../../src/jobs/sql/queue-health.ts';
import { findStaleJobs } from '../../src/jobs/sql/stale-jobs.ts';
import { storeRender } from '../../src/jobs/sql/store-render.ts';
import { sweepFail } from '../../src/jobs/sql/sweep-fail.ts';
import { sweepRequeue } from '../../src/jobs/sql/sweep-requeue.ts';
import { TAKEOVER_REASON, takeOverJobs } from '../../src/jobs/sql/takeover.ts';
import { beatWorker, deregisterWorker, forgetWorkers } from '../../src/jobs/sql/worker-registry.ts';
import {
  isAllowed,
  JOB_STATUSES,
  JOB_TRANSITIONS,
  type JobStatus,
  type JobTransition,
} from '../../src/jobs/transitions.ts';
import {
  addJob,
  collectJobEvents,
  createFace,
  jobRow,
  openJobsContext,
  queueEntry,
  type FaceRows,
  type JobsTestContext,
} from './helpers.ts';

let t: JobsTestContext;
let pool: pg.Pool;
let face: FaceRows;
const W = 'statements-test-worker';

before(async () => {
  t = await openJobsContext();
  pool = new pg.Pool({ connectionString: t.databaseUrl, max: 4 });
  face = await createFace(t.ctx, 5);
});
after(async () => {
  await pool?.end();
  await t?.close();
});

function fakeRender(seed: number): RenderResult {
  const png = (...n: number[]) => Buffer.from([0x89, 0x50, seed, ...n]);
  return {
    width: 2,
    height: 2,
    imagePng: png(1),
    segmentationPng: png(2),
    coarseMask: new Float32Array([seed, -1, 1, 0]),
    coarseSize: 1,
    depthPngs: [png(10), png(11), png(12, 13)],
  };
}

/** A job row put in `status` by hand: owned by W, written a minute ago, `attempts` spent. */
async function jobIn(status: JobStatus, attempts = 1): Promise<string> {
  const id = await addJob(t.ctx, { faceId: face.faceId, editId: face.editId, maxAttempts: 3 });
  await pool.query(
    `UPDATE "InferenceJob" SET status = $2::"JobStatus", "workerId" = $3, attempts = $4,
       "updatedAt" = timezone('UTC', now()) - interval '1 minute' WHERE id = $1::uuid`,
    [id, status, W, attempts],
  );
  return id;
}

let sharedRenderId: string | undefined;
async function someRender(): Promise<string> {
  sharedRenderId ??= (
    await storeRender(
      pool,
      {
        cacheKey: 'statements-shared',
        modelId: t.ctx.models.demoModelId,
        options: {},
        result: fakeRender(1),
        finish: false,
      },
      { jobId: '00000000-0000-0000-0000-000000000000', editId: face.editId, setsEditRender: false, workerId: W },
    )
  ).imageId;
  return sharedRenderId;
}

/** Runs the statement behind each transition on job `id`. */
const apply: Record<JobTransition, (id: string) => Promise<unknown>> = {
  claim: (id) => claimJob(pool, { jobId: id, workerId: W, queueJobId: '0' }),
  succeed: async (id) =>
    finishJob(pool, {
      jobId: id,
      editId: face.editId,
      setsEditRender: false,
      workerId: W,
      imageId: await someRender(),
    }),
  fail: (id) => failJob(pool, { jobId: id, workerId: W, error: 'boom', errorDetail: 'd' }),
  retry: (id) => retryJob(pool, { jobId: id, workerId: W, error: 'flaky', errorDetail: 'worker w: Error: flaky' }),
  release: (id) => releaseJobs(pool, { jobIds: [id], workerId: W, queueWorkerIds: [] }),
  cancel: (id) => pool.query(CANCEL_JOB_SQL, [id]),
  // Only an image inversion is cancelled while it runs (a render job is left to finish).
  cancelRunning: async (id) => {
    await pool.query(`UPDATE "InferenceJob" SET kind = 'INVERT_IMAGE' WHERE id = $1::uuid`, [id]);
    return pool.query(CANCEL_RUNNING_SQL, [id]);
  },
  sweepRequeue: (id) => sweepRequeue(pool, { jobIds: [id], staleAfterMs: 10_000 }),
  sweepFail: (id) => sweepFail(pool, { jobIds: [id], staleAfterMs: 10_000 }),
  takeover: async (id) => {
    await pool.query(
      `UPDATE graphile_worker._private_jobs SET locked_by = 'gw-gone', locked_at = now() WHERE key = $1`,
      [id],
    );
    return takeOverJobs(pool, { queueWorkerIds: ['gw-gone'] });
  },
};

describe('the transition table', () => {
  for (const name of Object.keys(JOB_TRANSITIONS) as JobTransition[]) {
    test(`${name}: ${JOB_TRANSITIONS[name].from.join('/')} -> ${JOB_TRANSITIONS[name].to}, nothing else`, async () => {
      for (const from of JOB_STATUSES) {
        // sweepFail is for the last attempt; everything else runs with attempts left.
        const id = await jobIn(from, name === 'sweepFail' ? 3 : 1);
        const events = collectJobEvents(t.ctx, id);
        await new Promise((r) => setTimeout(r, 50)); // the subscription is listening
        await apply[name](id);
        const row = await jobRow(t.ctx, id);
        const expected = isAllowed(name, from) ? JOB_TRANSITIONS[name].to : from;
        assert.equal(row!.status, expected, `${name} from ${from}`);
        if (isAllowed(name, from)) {
          await waitForEvent(events.statuses, expected);
          assert.ok(row!.updatedAt.getTime() > Date.now() - 30_000, 'updatedAt is now');
        }
        events.stop();
      }
    });
  }
});

async function waitForEvent(statuses: string[], status: string) {
  for (let i = 0; i < 100 && !statuses.includes(status); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(statuses.includes(status), `JOB_UPDATED ${status} announced (got ${statuses.join(', ')})`);
}

describe('statements', () => {
  test('claimJob: attempts + 1, the worker, the latent and the cache lookup', async () => {
    const id = await jobIn('QUEUED', 0);
    await pool.query(`UPDATE "InferenceJob" SET error = 'the previous attempt failed' WHERE id = $1::uuid`, [id]);
    const row = await claimJob(pool, { jobId: id, workerId: W, queueJobId: (await queueEntry(t.ctx, id))!.id });
    assert.equal(row!.attempts, 1);
    assert.equal(row!.editId, face.editId);
    assert.equal(row!.latent.byteLength, face.latent.byteLength);
    assert.equal(row!.cacheKey, null, 'a row written without a key (as before 0003): the worker computes it');
    assert.equal(row!.storedImageId, null);
    assert.ok(row!.queueWaitMs! >= 0);
    const db = await jobRow(t.ctx, id);
    assert.equal(db!.workerId, W);
    assert.ok(db!.startedAt);
    assert.equal(db!.error, null, "a running attempt shows no earlier attempt's error");
  });

  test('queueJob stores the JS cache key on the job; claimJob finds the image stored under it', async () => {
    const options = { components: [3, 1, 3], componentNames: ['x'] };
    const job = await queueJob(t.ctx.prisma, {
      kind: 'RENDER_COMPOSITION',
      faceId: face.faceId,
      editId: face.editId,
      modelId: t.ctx.models.demoModelId,
      options,
    });
    const bytes = new Uint8Array(face.latent.buffer, face.latent.byteOffset, face.latent.byteLength);
    const key = renderCacheKey(t.ctx.models.demoModelId, bytes, { components: [1, 3] });
    const running = await jobIn('RUNNING');
    const stored = await storeRender(
      pool,
      {
        cacheKey: key,
        modelId: t.ctx.models.demoModelId,
        options: { components: [1, 3] },
        result: fakeRender(4),
        finish: true,
      },
      { jobId: running, editId: face.editId, setsEditRender: false, workerId: W },
    );
    const row = await claimJob(pool, { jobId: job.id, workerId: W, queueJobId: (await queueEntry(t.ctx, job.id))!.id });
    assert.equal(row!.cacheKey, key, 'the key of src/jobs/render-key.ts, computed once when queued');
    assert.equal(row!.storedImageId, stored.imageId);
  });

  test('takeOverJobs: only the RUNNING rows whose queue entry the dead ids hold go back to QUEUED', async () => {
    const held = await jobIn('RUNNING');
    const other = await jobIn('RUNNING');
    const lock = (id: string, by: string) =>
      pool.query(`UPDATE graphile_worker._private_jobs SET locked_by = $2, locked_at = now() WHERE key = $1`, [id, by]);
    await lock(held, 'gw-dead-1');
    await lock(other, 'gw-alive-1');
    assert.deepEqual(await takeOverJobs(pool, { queueWorkerIds: ['gw-dead-1'] }), [held]);
    const row = await jobRow(t.ctx, held);
    assert.equal(row.status, 'QUEUED');
    assert.equal(row.workerId, null);
    assert.equal(row.error, TAKEOVER_REASON);
    assert.equal((await jobRow(t.ctx, other)).status, 'RUNNING');
  });

  test('storeRender: one image per key with its depth maps; finishing gives the workspace its Render', async () => {
    const id = await jobIn('RUNNING');
    const target = { jobId: id, editId: face.editId, setsEditRender: true, workerId: W };
    const first = await storeRender(
      pool,
      { cacheKey: 'k-store', modelId: t.ctx.models.demoModelId, options: {}, result: fakeRender(7), finish: true },
      target,
    );
    assert.equal(first.finished, true);
    const again = await storeRender(
      pool,
      { cacheKey: 'k-store', modelId: t.ctx.models.demoModelId, options: {}, result: fakeRender(8), finish: true },
      target,
    );
    assert.deepEqual(again, { imageId: first.imageId, finished: false }, 'the second store reuses the row');
    assert.equal(await findRenderImage(pool, 'k-store'), first.imageId);
    assert.equal(await findRenderImage(pool, 'k-none'), undefined);
    const depth = await pool.query(
      `SELECT "componentIndex" AS i, png FROM "RenderDepth" WHERE "imageId" = $1 ORDER BY 1`,
      [first.imageId],
    );
    assert.deepEqual(
      depth.rows.map((r) => [r.i, [...r.png]]),
      fakeRender(7).depthPngs.map((p, i) => [i, [...p]]),
    );
    const job = await jobRow(t.ctx, id);
    const render = await t.ctx.prisma.render.findUniqueOrThrow({ where: { id: job.renderId! } });
    assert.equal(render.imageId, first.imageId);
    assert.equal(render.workspaceId, face.workspaceId);
    assert.equal(render.cacheKey, 'k-store');
    const edit = await pool.query(`SELECT "renderId" FROM "Edit" WHERE id = $1`, [face.editId]);
    assert.equal(edit.rows[0].renderId, render.id);
    // A second job of the workspace finishing with the same image gets the same Render.
    const id2 = await jobIn('RUNNING');
    assert.equal(await finishJob(pool, { ...target, jobId: id2, setsEditRender: false, imageId: first.imageId }), true);
    assert.equal((await jobRow(t.ctx, id2)).renderId, render.id);
  });

  test('failJob and retryJob only touch the rows of their worker', async () => {
    const id = await jobIn('RUNNING');
    assert.equal(await failJob(pool, { jobId: id, workerId: 'someone-else', error: 'x', errorDetail: 'x' }), false);
    assert.equal(await retryJob(pool, { jobId: id, workerId: 'someone-else', error: 'x', errorDetail: 'x' }), false);
    assert.equal((await jobRow(t.ctx, id))!.status, 'RUNNING');
    assert.equal(
      await retryJob(pool, { jobId: id, workerId: W, error: 'flaky', errorDetail: 'worker w: Error: flaky' }),
      true,
    );
    const row = await jobRow(t.ctx, id);
    assert.equal(row!.error, 'flaky');
    assert.equal(row!.errorDetail, 'worker w: Error: flaky');
    assert.equal(row!.workerId, null);
  });

  test('findStaleJobs: old RUNNING rows without a queue lock; sweepFail keeps the earlier error', async () => {
    const fresh = await addJob(t.ctx, { faceId: face.faceId, editId: face.editId });
    const stale = await jobIn('RUNNING', 3);
    await pool.query(`UPDATE "InferenceJob" SET error = 'oom' WHERE id = $1`, [stale]);
    const found = await findStaleJobs(pool, { staleAfterMs: 10_000, limit: 500 });
    assert.ok(found.includes(stale));
    assert.ok(!found.includes(fresh), 'a job written just now is left alone');
    assert.deepEqual(await sweepFail(pool, { jobIds: [stale], staleAfterMs: 10_000 }), [stale]);
    assert.match((await jobRow(t.ctx, stale))!.error!, /no attempts left.*\(earlier error: oom\)/);
    assert.equal(await queueEntry(t.ctx, stale), undefined, 'the queue entry is removed');
  });

  test('sweepRequeue gives the job a fresh queue entry with the attempts it has left', async () => {
    const id = await jobIn('RUNNING', 1);
    await pool.query(`SELECT graphile_worker.remove_job($1)`, [id]);
    assert.deepEqual(await sweepRequeue(pool, { jobIds: [id], staleAfterMs: 10_000 }), [id]);
    assert.equal((await queueEntry(t.ctx, id))!.max_attempts, 2);
  });

  test('worker registry: beat registers then refreshes, dead lock holders, forget, deregister', async () => {
    const p = { workerId: 'reg-1', queueWorkerIds: ['gw-live'], concurrency: 2, modelIds: [] };
    assert.equal(await beatWorker(pool, p), true);
    assert.equal(await beatWorker(pool, p), false);
    const id = await jobIn('RUNNING');
    const lock = (by: string) =>
      pool.query(
        `UPDATE graphile_worker._private_jobs SET locked_by = $2, locked_at = now() - interval '1 minute' WHERE key = $1`,
        [id, by],
      );
    await lock('gw-live');
    assert.ok(!(await findDeadLockHolders(pool, { deadAfterMs: 20_000 })).includes('gw-live'));
    await lock('gw-dead');
    assert.ok((await findDeadLockHolders(pool, { deadAfterMs: 20_000 })).includes('gw-dead'));
    // A worker unseen for deadAfterMs is forgotten at once (not an hour later).
    await pool.query(`UPDATE "QueueWorker" SET "lastSeenAt" = now() - interval '25 seconds' WHERE id = 'reg-1'`);
    assert.ok((await forgetWorkers(pool, 20_000)) >= 1);
    assert.equal(await beatWorker(pool, p), true, 'a forgotten worker registers again');
    await deregisterWorker(pool, 'reg-1');
    assert.equal((await pool.query(`SELECT 1 FROM "QueueWorker" WHERE id = 'reg-1'`)).rowCount, 0);
  });

  test('queueHealth counts the QUEUED jobs and the workers seen within deadAfterMs', async () => {
    const before = await queueHealth(t.ctx.prisma, { deadAfterMs: 20_000 });
    await jobIn('QUEUED');
    await beatWorker(pool, { workerId: 'health-1', queueWorkerIds: [], concurrency: 1, modelIds: [] });
    const now = await queueHealth(t.ctx.prisma, { deadAfterMs: 20_000 });
    assert.equal(now.queued, before.queued + 1);
    assert.equal(now.alive, before.alive + 1);
    await pool.query(`UPDATE "QueueWorker" SET "lastSeenAt" = now() - interval '25 seconds' WHERE id = 'health-1'`);
    assert.equal(
      (await queueHealth(t.ctx.prisma, { deadAfterMs: 20_000 })).alive,
      before.alive,
      'a silent worker is dead',
    );
    await deregisterWorker(pool, 'health-1');
  });
});
