// Two workspaces rendering the same latent share the stored image (one model run, one copy of the
// bytes), but neither learns of the other's render: each gets its own render id and createdAt, and
// the other's URLs answer 404, as for a render that does not exist.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, ok, waitForJob, type Gql } from './util.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app?.close();
});

const HEAD_RENDER = `query($id: ID!) { face(id: $id) { head { render { id createdAt width imageUrl segmentationUrl
  depthUrls { url } } } } }`;

async function renderOf(gql: Gql, faceId: string) {
  return (await ok(gql(HEAD_RENDER, { id: faceId }))).face.head.render;
}

async function fetchAs(token: string, url: string) {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } });
}

test('workspace B rendering the latent A rendered gets a fresh render of its own over the same image', async () => {
  const runtime = app.ctx.models.get(app.ctx.models.demoModelId)!;
  const gqlA: Gql = (q, v) => app.gql(q, v, app.token);
  const tokenB = await app.newToken('render-b');
  const gqlB: Gql = (q, v) => app.gql(q, v, tokenB);

  const faceA = await createFace(gqlA, await createProject(gqlA, 'a'), 1, 'a');
  assert.equal((await waitForJob(gqlA, faceA.jobId)).status, 'SUCCEEDED');
  const renderA = await renderOf(gqlA, faceA.faceId);
  await new Promise((r) => setTimeout(r, 50));

  const runsBefore = runtime.stats.images;
  const startedB = Date.now();
  const faceB = await createFace(gqlB, await createProject(gqlB, 'b'), 1, 'b');
  assert.equal((await waitForJob(gqlB, faceB.jobId)).status, 'SUCCEEDED');
  const renderB = await renderOf(gqlB, faceB.faceId);

  // The compute is shared: no model run for B, one stored image for both.
  assert.equal(runtime.stats.images - runsBefore, 0, 'B reused the stored image');
  assert.equal(await app.ctx.prisma.renderImage.count(), 1);
  // But B's render is its own: another id, created when B rendered, not when A did.
  assert.notEqual(renderB.id, renderA.id);
  assert.ok(new Date(renderB.createdAt).getTime() >= startedB - 1000, `${renderB.createdAt} is B's time`);
  assert.ok(new Date(renderB.createdAt).getTime() > new Date(renderA.createdAt).getTime());
  assert.ok(!JSON.stringify(renderB).includes(renderA.id));

  // Each workspace reads its own URLs; the other's answer 404 like an unknown render.
  const [imgA, imgB] = await Promise.all([fetchAs(app.token, renderA.imageUrl), fetchAs(tokenB, renderB.imageUrl)]);
  assert.equal(imgA.status, 200);
  assert.equal(imgB.status, 200);
  assert.ok(Buffer.from(await imgA.arrayBuffer()).equals(Buffer.from(await imgB.arrayBuffer())), 'the same pixels');
  assert.equal((await fetchAs(tokenB, renderB.depthUrls[0].url)).status, 200);
  const unknown = await fetchAs(tokenB, renderA.imageUrl.replace(renderA.id, '00000000-0000-7000-8000-000000000000'));
  for (const [token, r] of [
    [tokenB, renderA],
    [app.token, renderB],
  ] as const) {
    for (const url of [r.imageUrl, r.segmentationUrl, r.depthUrls[0].url]) {
      const res = await fetchAs(token, url);
      assert.equal(res.status, 404, url);
      assert.equal(res.status, unknown.status);
    }
  }
});
