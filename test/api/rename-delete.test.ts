// renameProject, renameFace, deleteProject, deleteFace against the real database: scoped to the
// workspace, refusing bad input without a change, and a deletion leaves nothing orphaned (edits,
// job rows, queue entries, renders only it used) while renders another face uses stay.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorker } from '../../src/jobs/worker.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, errorCode, ok, snapshot, waitForJob } from './util.ts';

let app: TestApp;
before(async () => {
  // No worker of its own: the test runs one while it needs renders, and leaves later jobs QUEUED.
  app = await startTestApp({ runWorker: false });
});
after(async () => {
  await app?.close();
});

const count = async (sql: string, ...params: unknown[]) =>
  (await app.ctx.prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT (${sql})::int AS n`, ...params))[0]!.n;

test('rename a project and a face; empty names and other workspaces change nothing', async () => {
  const projectId = await createProject(app.gql, 'before');
  const face = await createFace(app.gql, projectId, 3, 'old name');
  const p = await ok(
    app.gql(`mutation($id: ID!) { renameProject(id: $id, name: "  after ") { id name } }`, { id: projectId }),
  );
  assert.deepEqual(p.renameProject, { id: projectId, name: 'after' });
  const f = await ok(
    app.gql(`mutation($id: ID!) { renameFace(id: $id, name: "new name") { id name } }`, { id: face.faceId }),
  );
  assert.equal(f.renameFace.name, 'new name');
  const read = await ok(app.gql(`query($id: ID!) { face(id: $id) { name project { name } } }`, { id: face.faceId }));
  assert.deepEqual(read.face, { name: 'new name', project: { name: 'after' } });

  const other = await app.newToken('rename-other');
  const before = await snapshot(app);
  const RENAME_FACE = `mutation($id: ID!, $n: String!) { renameFace(id: $id, name: $n) { id } }`;
  assert.equal(await errorCode(app.gql(RENAME_FACE, { id: face.faceId, n: '  ' })), 'BAD_USER_INPUT');
  assert.equal(await errorCode(app.gql(RENAME_FACE, { id: face.faceId, n: 'x' }, other)), 'NOT_FOUND');
  assert.equal(
    await errorCode(
      app.gql(`mutation($id: ID!) { renameProject(id: $id, name: "x") { id } }`, { id: projectId }, other),
    ),
    'NOT_FOUND',
  );
  assert.equal(
    await errorCode(app.gql(`mutation($id: ID!) { deleteProject(id: $id) { id } }`, { id: projectId }, other)),
    'NOT_FOUND',
  );
  assert.equal(
    await errorCode(app.gql(`mutation($id: ID!) { deleteFace(id: $id) { id } }`, { id: face.faceId }, other)),
    'NOT_FOUND',
  );
  assert.deepEqual(await snapshot(app), before);
  const names = await ok(app.gql(`query($id: ID!) { face(id: $id) { name project { name } } }`, { id: face.faceId }));
  assert.deepEqual(names.face, { name: 'new name', project: { name: 'after' } });
});

test('deleteFace: its edits, jobs (QUEUED cancelled, queue entry gone) and own renders go; shared renders stay', async () => {
  const mine = await createProject(app.gql, 'doomed');
  const kept = await createProject(app.gql, 'kept');
  // Same seed: the same latent, so both faces' root edits share one stored render.
  const a = await createFace(app.gql, mine, 11, 'a');
  const twin = await createFace(app.gql, kept, 11, 'twin');
  const worker = await startWorker(app.ctx, { concurrency: 1 });
  let ownRender: string;
  try {
    const ja = await waitForJob(app.gql, a.jobId);
    const jt = await waitForJob(app.gql, twin.jobId);
    assert.equal(ja.render.id, jt.render.id, 'one render shared by the twins');
    const trunc = await ok(
      app.gql(`mutation($f: ID!) { setTruncation(input: {faceId: $f, psi: 0.5}) { job { id } } }`, { f: a.faceId }),
    );
    ownRender = (await waitForJob(app.gql, trunc.setTruncation.job.id)).render.id;
  } finally {
    await worker.stop();
  }
  // With no worker running, this one stays QUEUED.
  const queued = await ok(
    app.gql(`mutation($f: ID!) { renderFace(input: {faceId: $f, components: ["hair"]}) { id status } }`, {
      f: a.faceId,
    }),
  );
  assert.equal(queued.renderFace.status, 'QUEUED');
  assert.equal(await count(`SELECT count(*) FROM graphile_worker.jobs WHERE key = $1`, queued.renderFace.id), 1);
  const shared = (await waitForJob(app.gql, twin.jobId)).render;
  // The stored image under the face's own render (renders are per workspace over shared images).
  const ownImage = (await app.ctx.prisma.render.findUniqueOrThrow({ where: { id: ownRender } })).imageId;

  const d = await ok(
    app.gql(`mutation($id: ID!) { deleteFace(id: $id) { id faces edits cancelledJobs renders } }`, { id: a.faceId }),
  );
  assert.deepEqual(d.deleteFace, { id: a.faceId, faces: 1, edits: 2, cancelledJobs: 1, renders: 1 });
  assert.equal(await errorCode(app.gql(`query($id: ID!) { face(id: $id) { id } }`, { id: a.faceId })), 'NOT_FOUND');
  assert.equal(await count(`SELECT count(*) FROM "Edit" WHERE "faceId" = $1::uuid`, a.faceId), 0);
  assert.equal(await count(`SELECT count(*) FROM "InferenceJob" WHERE "faceId" = $1::uuid`, a.faceId), 0);
  assert.equal(await count(`SELECT count(*) FROM graphile_worker.jobs WHERE key = $1`, queued.renderFace.id), 0);
  assert.equal(
    await count(`SELECT count(*) FROM "Render" WHERE id = $1::uuid`, ownRender),
    0,
    'its own render is gone',
  );
  assert.equal(await count(`SELECT count(*) FROM "RenderImage" WHERE id = $1::uuid`, ownImage), 0, 'and its image');
  assert.equal(await count(`SELECT count(*) FROM "RenderDepth" WHERE "imageId" = $1::uuid`, ownImage), 0);
  assert.equal(
    await count(`SELECT count(*) FROM "Render" WHERE id = $1::uuid`, shared.id),
    1,
    'the shared render stays',
  );
  const img = await fetch(shared.imageUrl, { headers: { authorization: `Bearer ${app.token}` } });
  assert.equal(img.status, 200, "the twin's image still loads");
  const left = await ok(app.gql(`query($id: ID!) { project(id: $id) { faces { totalCount } } }`, { id: mine }));
  assert.equal(left.project.faces.totalCount, 0);
});

test('deleteProject removes the project with its faces and their history', async () => {
  const projectId = await createProject(app.gql, 'whole');
  const f1 = await createFace(app.gql, projectId, 21, 'one');
  await createFace(app.gql, projectId, 22, 'two');
  const others = await ok(app.gql(`{ projects { totalCount } }`));
  const d = await ok(
    app.gql(`mutation($id: ID!) { deleteProject(id: $id) { id faces edits cancelledJobs } }`, { id: projectId }),
  );
  assert.deepEqual(d.deleteProject, { id: projectId, faces: 2, edits: 2, cancelledJobs: 2 });
  assert.equal(await errorCode(app.gql(`query($id: ID!) { project(id: $id) { id } }`, { id: projectId })), 'NOT_FOUND');
  assert.equal(await errorCode(app.gql(`query($id: ID!) { face(id: $id) { id } }`, { id: f1.faceId })), 'NOT_FOUND');
  assert.equal(await count(`SELECT count(*) FROM "Face" WHERE "projectId" = $1::uuid`, projectId), 0);
  assert.equal(await count(`SELECT count(*) FROM "InferenceJob" WHERE "faceId" = $1::uuid`, f1.faceId), 0);
  const after = await ok(app.gql(`{ projects { totalCount } }`));
  assert.equal(after.projects.totalCount, others.projects.totalCount - 1);
});
