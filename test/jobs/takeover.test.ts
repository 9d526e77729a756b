// A worker PROCESS killed with SIGKILL while it holds jobs: another worker finishes every job within
// 60 s, each edit gets exactly one render, and no job stays RUNNING.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startWorker } from '../../src/jobs/worker.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { ssgUntil } from '../helpers/ssg.ts';
import {
  addEdit,
  addJob,
  collectJobEvents,
  createFace,
  openJobsContext,
  waitFor,
  type JobsTestContext,
} from './helpers.ts';

let t: JobsTestContext;
let child: ChildProcess | undefined;

before(async () => {
  t = await openJobsContext();
});
after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await t?.close();
});

/** `npx ssg worker` as its own process, holding every job it takes for `holdMs` (test-only delay). */
async function spawnWorker(holdMs: number, concurrency: number): Promise<{ proc: ChildProcess; output: () => string }> {
  const run = await ssgUntil(['worker'], /worker running/, {
    cwd: PROJECT_ROOT,
    env: {
      DATABASE_URL: t.databaseUrl,
      SSG_MODELS_DIR: TEST_MODELS_DIR,
      SSG_WORKER_CONCURRENCY: String(concurrency),
      SSG_TEST_JOB_DELAY_MS: String(holdMs),
      LOG_LEVEL: 'warn',
    },
  });
  return { proc: run.child, output: run.output };
}

test(
  'a SIGKILLed worker process loses no job: another worker takes them over within 60 s',
  { timeout: 120_000 },
  async () => {
    const { ctx } = t;
    const face = await createFace(ctx, 31);
    // Six edits: five distinct latents and one repeat of the first (so five renders in the end).
    const edits = [face.editId];
    const runtime = ctx.models.get(ctx.models.demoModelId)!;
    for (const seed of [32, 33, 34, 35]) edits.push(await addEdit(ctx, face.faceId, await runtime.sample(seed, 0.7)));
    edits.push(await addEdit(ctx, face.faceId, face.latent));

    const a = await spawnWorker(10 * 60_000, 4);
    child = a.proc;
    const jobs: string[] = [];
    for (const editId of edits) jobs.push(await addJob(ctx, { faceId: face.faceId, editId }));

    // The process takes four jobs (its concurrency) and holds them.
    const held = await waitFor(
      'the worker process to hold 4 jobs',
      async () => {
        const rows = await ctx.prisma.inferenceJob.findMany({ where: { id: { in: jobs }, status: 'RUNNING' } });
        return rows.length === 4 ? rows : undefined;
      },
      30_000,
    );
    const deadWorkerId = held[0]!.workerId!;
    assert.match(deadWorkerId, new RegExp(`:${a.proc.pid}:`));

    // Subscribers of the held jobs, listening before the kill. The claims' own RUNNING events may
    // still be on their way to this process (the rows were read RUNNING before their NOTIFY came
    // in): they are let through first, and only what arrives after the kill is asserted on.
    await new Promise((r) => setTimeout(r, 300));
    const events = held.map((h) => ({ id: h.id, ...collectJobEvents(ctx, h.id) }));
    await new Promise((r) => setTimeout(r, 300));
    const seenBeforeKill = events.map((e) => e.statuses.length);

    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    const killedAt = Date.now();
    // As if it had run on another host: its death is then known only from its heartbeat's age,
    // which is the sweeper's path (a worker of this host is forgotten at once: the next test).
    await ctx.prisma.queueWorker.update({ where: { id: deadWorkerId }, data: { host: 'another-host' } });

    // Another worker (default heartbeat and sweeper settings) takes everything over.
    const b = await startWorker(ctx, { concurrency: 4 });
    try {
      const done = await waitFor(
        'every job to succeed',
        async () => {
          const rows = await ctx.prisma.inferenceJob.findMany({ where: { id: { in: jobs } } });
          return rows.every((r) => r.status === 'SUCCEEDED') ? rows : undefined;
        },
        60_000,
        200,
      );
      const takeoverMs = Date.now() - killedAt;
      console.log(`# takeover: all ${jobs.length} jobs SUCCEEDED ${(takeoverMs / 1000).toFixed(1)} s after SIGKILL`);
      assert.ok(takeoverMs < 60_000);

      for (const r of done) {
        const wasHeld = held.some((h) => h.id === r.id);
        assert.equal(r.workerId, b.id);
        assert.equal(r.attempts, wasHeld ? 2 : 1, `job ${r.id} attempts`);
      }
      assert.equal(await ctx.prisma.inferenceJob.count({ where: { status: 'RUNNING' } }), 0, 'no job stays RUNNING');
      // A subscriber reads the takeover as the job queued again, not as RUNNING twice.
      await waitFor('every SUCCEEDED event', async () => events.every((e) => e.statuses.includes('SUCCEEDED')), 5000);
      for (const [i, e] of events.entries()) {
        assert.deepEqual(
          e.statuses.slice(seenBeforeKill[i]),
          ['QUEUED', 'RUNNING', 'SUCCEEDED'],
          `events of taken-over job ${e.id} after the kill`,
        );
        e.stop();
      }
      for (const r of done) assert.equal(r.error, null, `job ${r.id} shows no stale error`);
      // The dead worker's registration went with the takeover, not an hour later.
      assert.equal(await ctx.prisma.queueWorker.count({ where: { id: deadWorkerId } }), 0, 'dead worker forgotten');
      // Each edit has exactly one render: its renderId, the job's renderId, one Render row per latent.
      const editRows = await ctx.prisma.edit.findMany({ where: { id: { in: edits } } });
      for (const e of editRows) {
        const job = done.find((j) => j.editId === e.id)!;
        assert.ok(e.renderId, `edit ${e.id} has a render`);
        assert.equal(e.renderId, job.renderId);
      }
      assert.equal(await ctx.prisma.render.count(), 5, 'one Render per distinct latent');
      assert.equal(await ctx.prisma.renderImage.count(), 5, 'one stored image per distinct latent');
      assert.equal(
        editRows.find((e) => e.id === edits[0])!.renderId,
        editRows.find((e) => e.id === edits[5])!.renderId,
      );
      // (each entry is deleted just after its row's final status write)
      await waitFor(
        'the queue to be empty',
        async () => {
          const left = await ctx.prisma.$queryRawUnsafe<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM graphile_worker.jobs`,
          );
          return left[0]!.n === 0;
        },
        5000,
      );
    } finally {
      await b.stop();
    }
  },
);

test('a SIGKILLed worker of this host is forgotten when the next worker starts: not counted alive, its jobs free at once', async () => {
  const { ctx } = t;
  const face = await createFace(ctx, 41);
  const a = await spawnWorker(10 * 60_000, 1);
  child = a.proc;
  const jobId = await addJob(ctx, { faceId: face.faceId, editId: face.editId });
  const held = await waitFor(
    'the worker process to hold the job',
    async () => {
      const row = await ctx.prisma.inferenceJob.findUnique({ where: { id: jobId } });
      return row?.status === 'RUNNING' ? row : undefined;
    },
    30_000,
  );
  a.proc.kill('SIGKILL');
  await new Promise((r) => a.proc.once('exit', r));
  // Its row is fresh: by heartbeat age it would count as alive for deadAfterMs yet.
  assert.equal(await ctx.prisma.queueWorker.count({ where: { id: held.workerId! } }), 1);

  const b = await startWorker(ctx, { concurrency: 1 });
  try {
    // Gone by the time the new worker has started, with the job handed back to the queue.
    assert.deepEqual(
      (await ctx.prisma.queueWorker.findMany({ select: { id: true } })).map((w) => w.id),
      [b.id],
      'only the live worker is registered',
    );
    const done = await waitFor(
      'the job to succeed',
      async () => {
        const row = await ctx.prisma.inferenceJob.findUnique({ where: { id: jobId } });
        return row?.status === 'SUCCEEDED' ? row : undefined;
      },
      60_000,
      200,
    );
    assert.equal(done.workerId, b.id);
    assert.equal(done.attempts, 2);
  } finally {
    await b.stop();
  }
});
