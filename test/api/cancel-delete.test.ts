// What a cancel or a delete leaves behind, through the API and a real worker on the shipped model
// (models/cartoon64, which has an encoder): a cancelled or failed import leaves its face FAILED with
// a reason; a job cancelled or deleted while it runs stores nothing and is not retried; a delete
// takes the imported picture with it; the sweeper removes what a crash left (and counts it).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { startWorker, type RunningWorker } from '../../src/jobs/worker.ts';
import { orphansRemoved, registry } from '../../src/metrics.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, ok, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;

const IMPORT = `mutation($p: ID!, $img: String!) {
  importImage(input: {projectId: $p, name: "mine", imageBase64: $img}) { face { id status } edit { id } job { id status } } }`;
const FACE = `query($f: ID!) { face(id: $f) { status failureReason } }`;
const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { status } }`;
const TRUNCATE = `mutation($f: ID!) { setTruncation(input: {faceId: $f, psi: 0.5}) { job { id } } }`;

/** A 64 px picture made here (any picture inverts; its likeness is not what these tests check). */
function picture(): string {
  const png = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < 64 * 64; i++) png.data.set([(i * 7) % 256, (i >> 6) * 4, 128, 255], i * 4);
  return PNG.sync.write(png).toString('base64');
}

const count = async (sql: string, ...params: unknown[]) =>
  Number(Object.values((await app.ctx.prisma.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params))[0]!)[0]);
const stored = () =>
  app.ctx.prisma.$queryRawUnsafe<Record<string, number>[]>(
    `SELECT (SELECT count(*)::int FROM "RenderImage") AS images, (SELECT count(*)::int FROM "Render") AS renders,
            (SELECT count(*)::int FROM "RenderDepth") AS depths`,
  );

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const jobStatus = async (id: string) => (await app.ctx.prisma.inferenceJob.findUnique({ where: { id } }))?.status;
/** The worker has let go of every queue entry: finished, dropped, not waiting for a retry. */
const queueEmpty = () =>
  until('the queue is empty', async () => (await count(`SELECT count(*) FROM graphile_worker.jobs`)) === 0);

/** A worker that holds each job `delayMs` after claiming it (RUNNING), so the test can act meanwhile. */
async function slowWorker<T>(delayMs: number, fn: (w: RunningWorker) => Promise<T>): Promise<T> {
  const w = await startWorker(app.ctx, { concurrency: 2, testJobDelayMs: delayMs, orphanGraceMs: 0 });
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}

before(async () => {
  app = await startTestApp({ runWorker: false, builtinModelsDir: path.join(PROJECT_ROOT, 'models'), demoModel: false });
  projectId = await createProject(app.gql, 'imports');
});
after(async () => {
  await app?.close();
});

test('cancelling a QUEUED import leaves its face FAILED with the reason, and every edit answers FACE_NOT_READY with it', async () => {
  const r = (await ok(app.gql(IMPORT, { p: projectId, img: picture() }))).importImage;
  assert.equal(r.job.status, 'QUEUED');
  assert.equal((await ok(app.gql(CANCEL, { id: r.job.id }))).cancelJob.status, 'CANCELLED');
  assert.deepEqual((await ok(app.gql(FACE, { f: r.face.id }))).face, {
    status: 'FAILED',
    failureReason: 'its import was cancelled',
  });
  const edit = await app.gql(TRUNCATE, { f: r.face.id });
  assert.equal(edit.errors?.[0].extensions.code, 'FACE_NOT_READY');
  assert.equal(edit.errors?.[0].extensions.reason, 'its import was cancelled');
  assert.match(edit.errors![0].message, /its import was cancelled/);
  assert.equal(await count(`SELECT count(*) FROM graphile_worker.jobs WHERE key = $1`, r.job.id), 0);
});

test('cancelling a RUNNING import: the worker stops at its next check and writes nothing, and does not retry', async () => {
  const r = (await ok(app.gql(IMPORT, { p: projectId, img: picture() }))).importImage;
  const placeholder = Buffer.from((await app.ctx.prisma.edit.findUniqueOrThrow({ where: { id: r.edit.id } })).latent);
  const before = await stored();
  await slowWorker(1500, async () => {
    await until('the import runs', async () => (await jobStatus(r.job.id)) === 'RUNNING');
    assert.equal((await ok(app.gql(CANCEL, { id: r.job.id }))).cancelJob.status, 'CANCELLED');
    assert.equal((await ok(app.gql(FACE, { f: r.face.id }))).face.status, 'FAILED');
    await queueEmpty();
  });
  assert.equal(await jobStatus(r.job.id), 'CANCELLED', 'the worker did not finish or fail it');
  assert.deepEqual((await ok(app.gql(FACE, { f: r.face.id }))).face, {
    status: 'FAILED',
    failureReason: 'its import was cancelled',
  });
  const latent = Buffer.from((await app.ctx.prisma.edit.findUniqueOrThrow({ where: { id: r.edit.id } })).latent);
  assert.ok(latent.equals(placeholder), 'the found latent was not written');
  assert.deepEqual(await stored(), before, 'no render stored');
});

test("an import that fails for good leaves its face FAILED with the job's error", async () => {
  const r = (await ok(app.gql(IMPORT, { p: projectId, img: picture() }))).importImage;
  await slowWorker(1000, async () => {
    await until('the import runs', async () => (await jobStatus(r.job.id)) === 'RUNNING');
    // The stored picture disappears under the running job (a permanent error for the worker).
    await app.ctx.prisma.$executeRawUnsafe(`DELETE FROM "SourceImage"`);
    const job = await waitForJob(app.gql, r.job.id);
    assert.equal(job.status, 'FAILED');
  });
  const face = (await ok(app.gql(FACE, { f: r.face.id }))).face;
  assert.equal(face.status, 'FAILED');
  assert.match(face.failureReason, /^its inversion job failed: source image .* is gone$/);
});

test('deleting a face while its render runs: the late result brings nothing back and is not retried', async () => {
  const before = await stored();
  const f = await createFace(app.gql, projectId, 77, 'doomed');
  await slowWorker(1500, async () => {
    await until('the render runs', async () => (await jobStatus(f.jobId)) === 'RUNNING');
    await ok(app.gql(`mutation($id: ID!) { deleteFace(id: $id) { id } }`, { id: f.faceId }));
    await queueEmpty();
  });
  assert.deepEqual(await stored(), before, 'no render image, render or depth map came back');
});

test('deleting an imported face or its project deletes the imported picture', async () => {
  const other = await createProject(app.gql, 'to delete');
  const a = (await ok(app.gql(IMPORT, { p: projectId, img: picture() }))).importImage;
  const b = (await ok(app.gql(IMPORT, { p: other, img: picture() }))).importImage;
  await slowWorker(0, async () => {
    assert.equal((await waitForJob(app.gql, a.job.id)).status, 'SUCCEEDED');
    assert.equal((await waitForJob(app.gql, b.job.id)).status, 'SUCCEEDED');
  });
  const sourceOf = async (editId: string) =>
    ((await app.ctx.prisma.edit.findUniqueOrThrow({ where: { id: editId } })).params as { sourceImageId: string })
      .sourceImageId;
  const [sa, sb] = [await sourceOf(a.edit.id), await sourceOf(b.edit.id)];
  const sources = (id: string) => count(`SELECT count(*) FROM "SourceImage" WHERE id = $1::uuid`, id);
  assert.equal((await sources(sa)) + (await sources(sb)), 2);

  await ok(app.gql(`mutation($id: ID!) { deleteFace(id: $id) { id } }`, { id: a.face.id }));
  assert.equal(await sources(sa), 0, "the face's picture is gone");
  await ok(app.gql(`mutation($id: ID!) { deleteProject(id: $id) { id } }`, { id: other }));
  assert.equal(await sources(sb), 0, "the project's face's picture is gone");
  const unused = `SELECT count(*) FROM "RenderImage" i WHERE NOT EXISTS (SELECT 1 FROM "Render" r WHERE r."imageId" = i.id)`;
  assert.equal(await count(unused), 0, 'no render image is left that nothing uses');
});

test('the sweeper removes pictures and render images nothing refers to, and counts them', async () => {
  const modelId = (await app.ctx.prisma.project.findUniqueOrThrow({ where: { id: projectId } })).modelId;
  const workspaceId = app.workspaceId;
  const png = Buffer.from('not really a png');
  const old = `timezone('UTC', now()) - interval '2 hours'`;
  // What a crash could leave: a picture no edit names, an image no render uses (and its depth map).
  const [orphanSource] = await app.ctx.prisma.$queryRawUnsafe<{ id: string }[]>(
    `INSERT INTO "SourceImage" (id, "workspaceId", format, width, height, bytes, sha256, crop, "alignedPng", "createdAt")
     VALUES (gen_random_uuid(), $1::uuid, 'png', 1, 1, 1, 'x', '{}', $2, ${old}) RETURNING id::text`,
    workspaceId,
    png,
  );
  const image = (key: string, createdAt: string) =>
    app.ctx.prisma.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "RenderImage" (id, "cacheKey", "modelId", options, width, height, "imagePng", "segmentationPng", "coarseMask", "coarseSize", "createdAt")
       VALUES (gen_random_uuid(), $1, $2, '{}', 1, 1, $3, $3, $3, 1, ${createdAt}) RETURNING id::text`,
      key,
      modelId,
      png,
    );
  const [orphanImage] = await image('sweeper-orphan', old);
  await app.ctx.prisma.$executeRawUnsafe(
    `INSERT INTO "RenderDepth" ("imageId", "componentIndex", png) VALUES ($1::uuid, 0, $2)`,
    orphanImage!.id,
    png,
  );
  const keptFace = await createFace(app.gql, projectId, 5, 'kept');
  const counted = async (kind: string) =>
    (await orphansRemoved.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
  const before = { sources: await counted('source_image'), images: await counted('render_image') };

  const swept = await startWorker(app.ctx, { concurrency: 1, orphanGraceMs: 60 * 60_000 }).then(async (w) => {
    try {
      assert.equal((await waitForJob(app.gql, keptFace.jobId)).status, 'SUCCEEDED');
      // A fresh unused image (a handed-back job's render) is left for the grace period.
      await image('sweeper-fresh', `timezone('UTC', now())`);
      return await w.sweep({ orphans: true });
    } finally {
      await w.stop();
    }
  });
  assert.ok(swept.orphans, 'the sweep removed orphans');
  assert.ok(swept.orphans.sourceImages >= 1 && swept.orphans.renderImages >= 1, JSON.stringify(swept.orphans));
  assert.equal(await count(`SELECT count(*) FROM "SourceImage" WHERE id = $1::uuid`, orphanSource!.id), 0);
  assert.equal(await count(`SELECT count(*) FROM "RenderImage" WHERE id = $1::uuid`, orphanImage!.id), 0);
  assert.equal(await count(`SELECT count(*) FROM "RenderDepth" WHERE "imageId" = $1::uuid`, orphanImage!.id), 0);
  assert.equal(await count(`SELECT count(*) FROM "RenderImage" WHERE "cacheKey" = 'sweeper-fresh'`), 1);
  const face = await ok(
    app.gql(`query($f: ID!) { face(id: $f) { head { render { imageUrl } } } }`, { f: keptFace.faceId }),
  );
  const img = await fetch(face.face.head.render.imageUrl);
  assert.equal(img.status, 200, 'a used render stays');
  assert.equal(await counted('source_image'), before.sources + swept.orphans.sourceImages);
  assert.equal(await counted('render_image'), before.images + swept.orphans.renderImages);
  const metrics = await registry.metrics();
  assert.match(metrics, /ssg_orphans_removed_total\{kind="source_image"\} \d+/);
});
