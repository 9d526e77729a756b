// Every operation over HTTP against a real database, the worker rendering in process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signUrl } from '../../src/domain/signed-urls.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, errorCode, ok, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;
let a: { faceId: string; editId: string; jobId: string };
let b: { faceId: string; editId: string; jobId: string };

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'ops');
  a = await createFace(app.gql, projectId, 1, 'a');
  b = await createFace(app.gql, projectId, 2, 'b');
});
after(async () => {
  await app?.close();
});

const EDIT_FIELDS =
  'id seq operation params parentId parent { id } children { edges { node { id } } } createdAt job { id status } render { id }';

describe('models and projects', () => {
  test('models lists the demo model with its components', async () => {
    const d = await ok(
      app.gql(`{ models { id name resolution untrained components { index name transparent color } } }`),
    );
    assert.ok(d.models.length >= 1);
    const demo = d.models[0];
    assert.equal(demo.untrained, true);
    assert.ok(demo.components.some((c: any) => c.name === 'hair'));
    assert.match(demo.components[0].color, /^#[0-9a-f]{6}$/);
  });

  test('project, projects connection, pagination', async () => {
    const ids = [projectId];
    for (let i = 0; i < 3; i++) ids.push(await createProject(app.gql, `p${i}`));
    const page1 = await ok(
      app.gql(
        `{ projects(first: 2) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`,
      ),
    );
    assert.equal(page1.projects.edges.length, 2);
    assert.equal(page1.projects.totalCount, 4, 'totalCount counts every project, not the page');
    assert.equal(page1.projects.pageInfo.hasNextPage, true);
    assert.equal(page1.projects.edges[0].node.id, ids[3], 'newest first');
    const page2 = await ok(
      app.gql(
        `query($a: String) { projects(first: 10, after: $a) { edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }`,
        {
          a: page1.projects.pageInfo.endCursor,
        },
      ),
    );
    assert.deepEqual(
      page2.projects.edges.map((e: any) => e.node.id),
      [ids[1], ids[0]],
    );
    assert.equal(page2.projects.pageInfo.hasNextPage, false);
    assert.equal(page2.projects.pageInfo.hasPreviousPage, true);
    const p = await ok(
      app.gql(`query($id: ID!) { project(id: $id) { id name model { id } faces { edges { node { id name } } } } }`, {
        id: projectId,
      }),
    );
    assert.deepEqual(
      p.project.faces.edges.map((e: any) => e.node.name),
      ['b', 'a'],
    );
  });
});

describe('edits', () => {
  test('createFace: root SAMPLE edit, job renders, render served with ETag', async () => {
    const d = await ok(
      app.gql(
        `query($id: ID!) { face(id: $id) { id name editCount head { ${EDIT_FIELDS} } root { id } project { id } } }`,
        { id: a.faceId },
      ),
    );
    assert.equal(d.face.head.id, a.editId);
    assert.equal(d.face.root.id, a.editId);
    assert.equal(d.face.head.operation, 'SAMPLE');
    assert.equal(d.face.head.parentId, null);
    assert.deepEqual(d.face.head.params, { seed: 1, truncation: 0.7 });
    const job = await waitForJob(app.gql, a.jobId);
    assert.equal(job.status, 'SUCCEEDED');
    assert.ok(job.render.width > 0);
    const e = await ok(
      app.gql(
        `query($id: ID!) { edit(id: $id) { render { id imageUrl segmentationUrl depthUrls { componentName url } } } }`,
        { id: a.editId },
      ),
    );
    const render = e.edit.render;
    assert.equal(render.id, job.render.id);

    const auth = { authorization: `Bearer ${app.token}` };
    const img = await fetch(render.imageUrl, { headers: auth });
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/png');
    assert.equal(img.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    const bytes = Buffer.from(await img.arrayBuffer());
    assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    const etag = img.headers.get('etag')!;
    assert.ok(etag);
    const again = await fetch(render.imageUrl, { headers: { ...auth, 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(render.segmentationUrl, { headers: auth })).status, 200);
    assert.ok(render.depthUrls.length > 0);
    const depth = await fetch(render.depthUrls[0].url, { headers: auth });
    assert.equal(depth.status, 200);
    // token check: neither header nor signature → 401, another workspace → 404
    const unsigned = render.imageUrl.split('?')[0];
    assert.equal((await fetch(unsigned)).status, 401);
    const other = await app.newToken('other-renders');
    assert.equal((await fetch(render.imageUrl, { headers: { authorization: `Bearer ${other}` } })).status, 404);
  });

  test('render URLs are signed: they load with no header (as <img src>), until they expire or are altered', async () => {
    const e = await ok(
      app.gql(`query($id: ID!) { edit(id: $id) { render { imageUrl segmentationUrl depthUrls { url } } } }`, {
        id: a.editId,
      }),
    );
    const { imageUrl, segmentationUrl, depthUrls } = e.edit.render;
    for (const url of [imageUrl, segmentationUrl, depthUrls[0].url]) {
      const r = await fetch(url);
      assert.equal(r.status, 200, url);
      assert.equal(r.headers.get('content-type'), 'image/png');
    }
    const refused = async (url: string) => {
      const r = await fetch(url);
      return [r.status, ((await r.json()) as any).errors[0].extensions.code];
    };
    const u = new URL(imageUrl);
    const altered = new URL(u);
    altered.pathname = altered.pathname.replace('image.png', 'segmentation.png');
    assert.deepEqual(await refused(altered.toString()), [403, 'URL_SIGNATURE_INVALID'], 'another file, same signature');
    const later = new URL(u);
    later.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600));
    assert.deepEqual(await refused(later.toString()), [403, 'URL_SIGNATURE_INVALID'], 'a longer life, same signature');
    const otherWs = new URL(u);
    otherWs.searchParams.set('ws', '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(await refused(otherWs.toString()), [403, 'URL_SIGNATURE_INVALID']);
    const principal = { workspaceId: u.searchParams.get('ws')!, tokenId: u.searchParams.get('tok')! };
    const old = signUrl(app.ctx.config, imageUrl.split('?')[0], principal, Date.now() - 2 * 3600_000);
    assert.deepEqual(await refused(old), [403, 'URL_EXPIRED']);
    // Signed by a server with another secret: refused, not trusted.
    const foreign = signUrl({ ...app.ctx.config, urlSecret: 'another secret' }, imageUrl.split('?')[0], principal);
    assert.deepEqual(await refused(foreign), [403, 'URL_SIGNATURE_INVALID']);
  });

  test('swap, resample, interpolate, setTruncation each add one edit on the head', async () => {
    const swap = await ok(
      app.gql(
        `mutation($t: ID!, $s: ID!, $h: ID) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair", "coarse"], part: BOTH, expectedHeadId: $h}) {
          face { id head { id } editCount } edit { ${EDIT_FIELDS} } job { id status } } }`,
        { t: a.faceId, s: b.faceId, h: a.editId },
      ),
    );
    const s = swap.swapComponents;
    assert.equal(s.edit.operation, 'SWAP');
    assert.equal(s.edit.seq, 2);
    assert.equal(s.edit.parentId, a.editId);
    assert.equal(s.face.head.id, s.edit.id);
    assert.equal(s.face.editCount, 2);
    assert.equal(s.job.status, 'QUEUED');
    assert.deepEqual(s.edit.params.components, ['coarse', 'hair']);
    assert.equal(s.edit.params.sourceEditId, b.editId);

    const res = await ok(
      app.gql(
        `mutation($f: ID!) { resampleComponents(input: {faceId: $f, components: ["eyes"], part: TEXTURE, seed: 7}) { edit { seq operation params parentId } } }`,
        {
          f: a.faceId,
        },
      ),
    );
    assert.equal(res.resampleComponents.edit.seq, 3);
    assert.equal(res.resampleComponents.edit.operation, 'RESAMPLE');
    assert.equal(res.resampleComponents.edit.parentId, s.edit.id);

    const interp = await ok(
      app.gql(
        `mutation($f: ID!, $o: ID!) { interpolateComponents(input: {faceId: $f, otherFaceId: $o, components: ["mouth"], part: BOTH, t: 0.5}) { edit { seq operation params } } }`,
        {
          f: a.faceId,
          o: b.faceId,
        },
      ),
    );
    assert.equal(interp.interpolateComponents.edit.operation, 'INTERPOLATE');
    assert.equal(interp.interpolateComponents.edit.params.t, 0.5);

    const trunc = await ok(
      app.gql(
        `mutation($f: ID!) { setTruncation(input: {faceId: $f, psi: 0.5}) { edit { seq operation params } job { id } } }`,
        { f: a.faceId },
      ),
    );
    assert.equal(trunc.setTruncation.edit.seq, 5);
    assert.equal(trunc.setTruncation.edit.operation, 'TRUNCATE');
    assert.equal((await waitForJob(app.gql, trunc.setTruncation.job.id)).status, 'SUCCEEDED');

    // history: newest first, seq cursors
    const h = await ok(
      app.gql(
        `query($f: ID!) { face(id: $f) { edits(first: 3) { totalCount edges { cursor node { seq } } pageInfo { hasNextPage endCursor } } } }`,
        { f: a.faceId },
      ),
    );
    assert.deepEqual(
      h.face.edits.edges.map((e: any) => e.node.seq),
      [5, 4, 3],
    );
    assert.equal(h.face.edits.totalCount, 5);
    const h2 = await ok(
      app.gql(
        `query($f: ID!, $a: String) { face(id: $f) { edits(first: 3, after: $a) { edges { node { seq } } pageInfo { hasNextPage } } } }`,
        {
          f: a.faceId,
          a: h.face.edits.pageInfo.endCursor,
        },
      ),
    );
    assert.deepEqual(
      h2.face.edits.edges.map((e: any) => e.node.seq),
      [2, 1],
    );
    assert.equal(h2.face.edits.pageInfo.hasNextPage, false);
  });

  test('undo, redo, branch, revertTo; nothing is deleted', async () => {
    const f = await createFace(app.gql, projectId, 3, 'history');
    const swap = (h?: string) =>
      ok(
        app.gql(
          `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"], part: BOTH}) { edit { id parentId } } }`,
          {
            t: f.faceId,
            s: b.faceId,
            h,
          },
        ),
      ).then((d) => d.swapComponents.edit);
    const e2 = await swap();
    const e3 = await swap();
    const head = async () =>
      (await ok(app.gql(`query($f: ID!) { face(id: $f) { head { id } canUndo canRedo } }`, { f: f.faceId }))).face;

    let face = (await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { head { id } } }`, { f: f.faceId }))).undo;
    assert.equal(face.head.id, e2.id);
    face = (await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { head { id } } }`, { f: f.faceId }))).undo;
    assert.equal(face.head.id, f.editId);
    assert.equal((await head()).canUndo, false);
    // undo past the root
    assert.equal(
      await errorCode(app.gql(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: f.faceId })),
      'NOTHING_TO_UNDO',
    );
    face = (await ok(app.gql(`mutation($f: ID!) { redo(faceId: $f) { head { id } } }`, { f: f.faceId }))).redo;
    assert.equal(face.head.id, e2.id);
    // branch: a new edit on a non-tip head
    const e4 = await swap();
    assert.equal(e4.parentId, e2.id);
    const tree = await ok(
      app.gql(`query($e: ID!) { edit(id: $e) { children { edges { node { id } } } } }`, { e: e2.id }),
    );
    assert.deepEqual(
      tree.edit.children.edges.map((c: any) => c.node.id),
      [e3.id, e4.id],
    );
    // redo at a tip
    assert.equal(
      await errorCode(app.gql(`mutation($f: ID!) { redo(faceId: $f) { id } }`, { f: f.faceId })),
      'NOTHING_TO_REDO',
    );
    // redo goes to the most recent child
    await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: f.faceId }));
    face = (await ok(app.gql(`mutation($f: ID!) { redo(faceId: $f) { head { id } } }`, { f: f.faceId }))).redo;
    assert.equal(face.head.id, e4.id);
    // revertTo any edit of the face (the other branch)
    face = (await ok(app.gql(`mutation($e: ID!) { revertTo(editId: $e) { head { id } editCount } }`, { e: e3.id })))
      .revertTo;
    assert.equal(face.head.id, e3.id);
    assert.equal(face.editCount, 4);
    // revertTo another face's edit (with faceId) is refused and changes nothing
    assert.equal(
      await errorCode(
        app.gql(`mutation($e: ID!, $f: ID!) { revertTo(editId: $e, faceId: $f) { id } }`, { e: a.editId, f: f.faceId }),
      ),
      'BAD_USER_INPUT',
    );
    assert.equal((await head()).head.id, e3.id);
    const all = await ok(
      app.gql(`query($f: ID!) { face(id: $f) { edits(first: 100) { edges { node { id } } } } }`, { f: f.faceId }),
    );
    assert.equal(all.face.edits.edges.length, 4);
  });

  test('Edit.isHead, Face.canUndo and Face.canRedo follow the head (redo: the most recent child)', async () => {
    const f = await createFace(app.gql, projectId, 4, 'flags');
    const swap = async () =>
      (
        await ok(
          app.gql(
            `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["eyes"], part: SHAPE}) { edit { id } } }`,
            { t: f.faceId, s: b.faceId },
          ),
        )
      ).swapComponents.edit.id as string;
    const state = async () => {
      const d = await ok(
        app.gql(
          `query($f: ID!) { face(id: $f) { canUndo canRedo edits(first: 10) { edges { node { id isHead } } } } }`,
          {
            f: f.faceId,
          },
        ),
      );
      const heads = d.face.edits.edges.filter((e: any) => e.node.isHead).map((e: any) => e.node.id);
      return { canUndo: d.face.canUndo, canRedo: d.face.canRedo, heads };
    };
    assert.deepEqual(await state(), { canUndo: false, canRedo: false, heads: [f.editId] });
    const e2 = await swap();
    assert.deepEqual(await state(), { canUndo: true, canRedo: false, heads: [e2] });
    await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: f.faceId }));
    assert.deepEqual(await state(), { canUndo: false, canRedo: true, heads: [f.editId] });
    // A branch from the root: redo would follow the newer child, e3, so the head there has no redo.
    const e3 = await swap();
    assert.deepEqual(await state(), { canUndo: true, canRedo: false, heads: [e3] });
    await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: f.faceId }));
    const redone = await ok(app.gql(`mutation($f: ID!) { redo(faceId: $f) { head { id isHead } } }`, { f: f.faceId }));
    assert.deepEqual(redone.redo.head, { id: e3, isHead: true });
    await ok(app.gql(`mutation($e: ID!) { revertTo(editId: $e) { id } }`, { e: e2 }));
    assert.deepEqual(await state(), { canUndo: true, canRedo: false, heads: [e2] });
  });

  test('importFace from .npy and latent export round trip', async () => {
    const d = await ok(app.gql(`query($e: ID!) { edit(id: $e) { latentNpyBase64 } }`, { e: a.editId }));
    const npy = Buffer.from(d.edit.latentNpyBase64, 'base64');
    assert.equal(npy.subarray(1, 6).toString(), 'NUMPY');
    const res = await fetch(`${app.url}/edits/${a.editId}/latent.npy`, {
      headers: { authorization: `Bearer ${app.token}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), npy);
    const imp = await ok(
      app.gql(
        `mutation($p: ID!, $l: String!) { importFace(input: {projectId: $p, name: "imported", latentBase64: $l}) { face { id name } edit { id operation } job { id } } }`,
        {
          p: projectId,
          l: d.edit.latentNpyBase64,
        },
      ),
    );
    assert.equal(imp.importFace.edit.operation, 'IMPORT');
    const back = await ok(
      app.gql(`query($e: ID!) { edit(id: $e) { latentNpyBase64 } }`, { e: imp.importFace.edit.id }),
    );
    assert.equal(back.edit.latentNpyBase64, d.edit.latentNpyBase64);
    // identical latent → the render is reused (content-addressed)
    const j1 = await waitForJob(app.gql, a.jobId);
    const j2 = await waitForJob(app.gql, imp.importFace.job.id);
    assert.equal(j2.status, 'SUCCEEDED');
    assert.equal(j2.render.id, j1.render.id);
  });

  test('renderFace queues a composition job and changes no history; cancelJob', async () => {
    const before = await ok(app.gql(`query($f: ID!) { face(id: $f) { editCount head { id } } }`, { f: b.faceId }));
    const r = await ok(
      app.gql(
        `mutation($f: ID!) { renderFace(input: {faceId: $f, components: ["face", "hair"]}) { id kind status options edit { id } } }`,
        { f: b.faceId },
      ),
    );
    assert.equal(r.renderFace.kind, 'RENDER_COMPOSITION');
    assert.equal(r.renderFace.edit.id, before.face.head.id);
    const job = await waitForJob(app.gql, r.renderFace.id);
    assert.equal(job.status, 'SUCCEEDED');
    const afterFace = await ok(app.gql(`query($f: ID!) { face(id: $f) { editCount head { id } } }`, { f: b.faceId }));
    assert.deepEqual(afterFace, before);
    // a render of an older edit of the face
    const r2 = await ok(
      app.gql(
        `mutation($f: ID!, $e: ID!) { renderFace(input: {faceId: $f, editId: $e, components: ["face"]}) { id edit { id } } }`,
        { f: b.faceId, e: b.editId },
      ),
    );
    assert.equal(r2.renderFace.edit.id, b.editId);
    const c = await ok(app.gql(`mutation($id: ID!) { cancelJob(id: $id) { id status } }`, { id: r2.renderFace.id }));
    assert.ok(['CANCELLED', 'RUNNING', 'SUCCEEDED'].includes(c.cancelJob.status));
  });
});

describe('subscriptions (graphql-ws)', () => {
  const wsUrl = () => app.url.replace(/^http/, 'ws') + '/graphql';

  test('jobUpdated streams the job to SUCCEEDED; faceUpdated sees a head move', async () => {
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${app.token}` },
    });
    try {
      const f = await createFace(app.gql, projectId, 11, 'live');
      const statuses: string[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe<{ jobUpdated: { status: string } }>(
          {
            query: `subscription($id: ID!) { jobUpdated(id: $id) { id status render { id } } }`,
            variables: { id: f.jobId },
          },
          { next: (v) => void statuses.push(v.data!.jobUpdated.status), error: reject, complete: resolve },
        );
      });
      assert.equal(statuses.at(-1), 'SUCCEEDED');

      const heads: string[] = [];
      let done!: () => void;
      const got = new Promise<void>((r) => (done = r));
      const unsubscribe = client.subscribe<{ faceUpdated: { head: { id: string } } }>(
        {
          query: `subscription($id: ID!) { faceUpdated(id: $id) { id head { id seq } } }`,
          variables: { id: a.faceId },
        },
        {
          next: (v) => {
            heads.push(v.data!.faceUpdated.head.id);
            if (heads.length >= 2) done();
          },
          error: (e) => assert.fail(JSON.stringify(e)),
          complete: () => {},
        },
      );
      await new Promise((r) => setTimeout(r, 200));
      const moved = await ok(app.gql(`mutation($f: ID!) { undo(faceId: $f) { head { id } } }`, { f: a.faceId }));
      await got;
      unsubscribe();
      assert.equal(heads.at(-1), moved.undo.head.id);
      await ok(app.gql(`mutation($f: ID!) { redo(faceId: $f) { id } }`, { f: a.faceId }));
    } finally {
      await client.dispose();
    }
  });

  test('a connection without a valid token is refused; another workspace gets NOT_FOUND', async () => {
    const bad = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer nope' },
      retryAttempts: 0,
    });
    const closed = await new Promise<any>((resolve) => {
      bad.subscribe(
        { query: `subscription { jobUpdated(id: "${a.jobId}") { id } }` },
        { next: () => {}, error: resolve, complete: () => resolve('complete') },
      );
    });
    assert.equal(closed.code, 4403);
    await bad.dispose();

    const other = await app.newToken('ws-other');
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${other}` },
    });
    // A failing subscribe is delivered as one result with errors, then completion.
    const errors = await new Promise<any>((resolve) => {
      let got: unknown;
      client.subscribe(
        { query: `subscription { jobUpdated(id: "${a.jobId}") { id } }` },
        { next: (v) => (got = v.errors), error: resolve, complete: () => resolve(got) },
      );
    });
    assert.equal(errors?.[0]?.extensions?.code, 'NOT_FOUND');
    await client.dispose();
  });
});

describe('HTTP', () => {
  test('healthz, readyz, CORS preflight incl. origin null, 401 without token, GET queries', async () => {
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    const ready = await fetch(`${app.url}/readyz`);
    assert.equal(ready.status, 200);
    const pre = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'null',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-headers')!, /authorization/);
    const noToken = await app.gql(`{ models { id } }`, undefined, null);
    assert.equal(noToken.errors?.[0].extensions.code, 'UNAUTHENTICATED');
    const badToken = await app.gql(`{ models { id } }`, undefined, 'ssg_wrong');
    assert.equal(badToken.errors?.[0].extensions.code, 'UNAUTHENTICATED');
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ models { id } }')}`, {
      headers: { authorization: `Bearer ${app.token}`, 'apollo-require-preflight': 'true' },
    });
    assert.equal(get.status, 200);
    assert.ok(((await get.json()) as any).data.models.length);
    // No SSG_METRICS_PORT or SSG_METRICS_TOKEN: no metrics for anyone (test/api/transport.test.ts has the rest).
    const metrics = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${app.token}` } });
    assert.equal(metrics.status, 404);
  });

  test('workspace isolation: another workspace sees nothing and gets NOT_FOUND', async () => {
    const other = await app.newToken('isolation');
    const list = await ok(app.gql(`{ projects { edges { node { id } } } }`, undefined, other));
    assert.equal(list.projects.edges.length, 0);
    for (const [q, v] of [
      [`query($id: ID!) { project(id: $id) { id } }`, { id: projectId }],
      [`query($id: ID!) { face(id: $id) { id } }`, { id: a.faceId }],
      [`query($id: ID!) { edit(id: $id) { id } }`, { id: a.editId }],
      [`query($id: ID!) { job(id: $id) { id } }`, { id: a.jobId }],
      [`mutation($id: ID!) { undo(faceId: $id) { id } }`, { id: a.faceId }],
      [`mutation($id: ID!) { revertTo(editId: $id) { id } }`, { id: a.editId }],
      [`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id: a.jobId }],
      [
        `mutation($id: ID!) { createFace(input: {projectId: $id, name: "x", seed: 1}) { face { id } } }`,
        { id: projectId },
      ],
    ] as const) {
      assert.equal(await errorCode(app.gql(q, v, other)), 'NOT_FOUND', q);
    }
    // swapping from another workspace's face
    const mine = await createProject(app.gql, 'mine', other);
    const f = await createFace(app.gql, mine, 5, 'x', other);
    assert.equal(
      await errorCode(
        app.gql(
          `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"], part: BOTH}) { edit { id } } }`,
          { t: f.faceId, s: a.faceId },
          other,
        ),
      ),
      'NOT_FOUND',
    );
    const res = await fetch(`${app.url}/edits/${a.editId}/latent.npy`, {
      headers: { authorization: `Bearer ${other}` },
    });
    assert.equal(res.status, 404);
  });
});
