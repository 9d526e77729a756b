// Jobs go only to workers that have loaded their model: a worker whose copy of a model failed to
// load never takes (and fails) that model's jobs; with no live worker for the model a job waits,
// QUEUED with its attempts unused, and says why.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { after, before, test } from 'node:test';
import { graphql } from 'graphql';
import { createLoaders } from '../../src/domain/loaders.ts';
import { createToken } from '../../src/domain/tokens.ts';
import { createGqlContext } from '../../src/resolvers/context.ts';
import { buildAppSchema } from '../../src/resolvers/schema.ts';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { noWorkerReason } from '../../src/jobs/sql/served-models.ts';
import { ModelRegistry } from '../../src/models/registry.ts';
import { tinyModelDir, tmpDir } from '../inference/helpers.ts';
import { addEdit, addJob, openJobsContext, waitFor, type JobsTestContext } from './helpers.ts';

let t: JobsTestContext;
/** The models of the healthy worker: the demo model and the tiny imported checkpoint. */
const healthyDir = tmpDir('ssg-models-a-');
/** The same two models, the tiny one with a truncated generator.onnx (it fails to load). */
const brokenDir = tmpDir('ssg-models-b-');
let brokenModels: ModelRegistry | undefined;
const workers: RunningWorker[] = [];

before(async () => {
  fs.cpSync(await tinyModelDir(), path.join(healthyDir, 'tiny'), { recursive: true });
  t = await openJobsContext({ modelsDir: healthyDir });
  fs.cpSync(path.join(healthyDir, 'demo'), path.join(brokenDir, 'demo'), { recursive: true });
  fs.cpSync(path.join(healthyDir, 'tiny'), path.join(brokenDir, 'tiny'), { recursive: true });
  const generator = path.join(brokenDir, 'tiny', 'generator.onnx');
  fs.truncateSync(generator, Math.floor(fs.statSync(generator).size / 2));
});
after(async () => {
  for (const w of workers) await w.stop();
  await brokenModels?.close();
  await t?.close();
});

test('a worker missing a model takes none of its jobs; they wait visibly, then all succeed elsewhere', async () => {
  const { ctx } = t;
  const tiny = ctx.models.list().find((m) => m.id !== ctx.models.demoModelId)!;
  assert.ok(tiny, 'the healthy registry serves the tiny model');
  brokenModels = await ModelRegistry.open({
    modelsDir: brokenDir,
    demoModel: true,
    executionProviders: ['cpu'],
    batchWindowMs: 2,
    maxBatch: 8,
    log: pino({ level: 'silent' }),
  });
  assert.deepEqual(
    brokenModels.list().map((m) => m.id),
    [ctx.models.demoModelId],
    'the broken copy of the tiny model did not load',
  );

  // The worker that could not load the model starts first and is alone for a while.
  const broken = await startWorker({ ...ctx, models: brokenModels }, { concurrency: 4 });
  workers.push(broken);

  const runtime = ctx.models.get(tiny.id)!;
  const principal = await createToken(ctx.prisma, 'routing');
  const project = await ctx.prisma.project.create({
    data: { workspaceId: principal.workspaceId, name: 'tiny', modelId: tiny.id },
  });
  const face = await ctx.prisma.face.create({ data: { projectId: project.id, name: 'f' } });
  const jobs: string[] = [];
  for (let seed = 1; seed <= 12; seed++) {
    const editId = await addEdit(ctx, face.id, await runtime.sample(seed, 0.7));
    jobs.push(await addJob(ctx, { faceId: face.id, editId, modelId: tiny.id }));
  }

  // Plenty of time for the broken worker to claim them (it picks jobs up within milliseconds).
  await new Promise((r) => setTimeout(r, 2000));
  const waiting = await ctx.prisma.inferenceJob.findMany({ where: { id: { in: jobs } } });
  for (const j of waiting) {
    assert.equal(j.status, 'QUEUED', `job ${j.id} waits`);
    assert.equal(j.attempts, 0, `job ${j.id} used no attempt`);
    assert.equal(j.error, null);
  }
  // What the API answers: the job waits because no live worker has the model.
  const schema = await buildAppSchema(ctx.pubsub);
  const asked = await graphql({
    schema,
    source: `query($id: ID!) { job(id: $id) { status attempts waitingReason } }`,
    variableValues: { id: jobs[0] },
    contextValue: createGqlContext(ctx, principal, 'http://127.0.0.1'),
  });
  assert.equal(asked.errors, undefined, JSON.stringify(asked.errors));
  assert.deepEqual(
    { ...(asked.data?.job as object) },
    { status: 'QUEUED', attempts: 0, waitingReason: noWorkerReason(tiny.id) },
  );
  assert.equal(await createLoaders(ctx).modelServed.load(tiny.id), false);
  assert.equal(await createLoaders(ctx).modelServed.load(ctx.models.demoModelId), true);
  assert.match(noWorkerReason(tiny.id), new RegExp(`no live worker serves model ${tiny.id}`));

  // A worker with the model starts beside the broken one: every job succeeds there, first time.
  const healthy = await startWorker(ctx, { concurrency: 4 });
  workers.push(healthy);
  assert.equal(await createLoaders(ctx).modelServed.load(tiny.id), true);
  const done = await waitFor(
    'all 12 jobs to end',
    async () => {
      const rows = await ctx.prisma.inferenceJob.findMany({ where: { id: { in: jobs } } });
      return rows.every((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED') ? rows : undefined;
    },
    60_000,
    100,
  );
  for (const j of done) {
    assert.equal(j.status, 'SUCCEEDED', `job ${j.id}: ${j.error}`);
    assert.equal(j.attempts, 1, `job ${j.id} ran once`);
    assert.equal(j.workerId, healthy.id);
    assert.equal(j.error, null);
  }
  const later = await graphql({
    schema,
    source: `query($id: ID!) { job(id: $id) { status waitingReason } }`,
    variableValues: { id: jobs[0] },
    contextValue: createGqlContext(ctx, principal, 'http://127.0.0.1'),
  });
  assert.deepEqual({ ...(later.data?.job as object) }, { status: 'SUCCEEDED', waitingReason: null });
});
