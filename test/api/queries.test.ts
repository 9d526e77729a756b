// DataLoader batching: the SQL statements a page costs do not grow with the page size.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { countQueries, createFace, createProject, ok, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;
const faces: { faceId: string; editId: string; jobId: string }[] = [];

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'listing');
  for (let i = 0; i < 12; i++) faces.push(await createFace(app.gql, projectId, 100 + i, `f${i}`));
  const f = faces[0];
  for (let i = 0; i < 12; i++) {
    await ok(
      app.gql(
        `mutation($f: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $f, sourceFaceId: $s, components: ["hair"], part: BOTH}) { edit { id } } }`,
        {
          f: f.faceId,
          s: faces[1 + (i % 11)].faceId,
        },
      ),
    );
  }
  for (const x of faces) await waitForJob(app.gql, x.jobId);
  await app.gql(`{ models { id } }`); // warm the token cache
});
after(async () => {
  await app?.close();
});

/** Fewest statements over three runs (the worker's background statements can fall into one). */
async function measure(query: string, variables: Record<string, unknown>) {
  let best: Awaited<ReturnType<typeof countQueries<any>>> | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await countQueries(() => ok(app.gql(query, variables)));
    if (!best || r.queries < best.queries) best = r;
  }
  return best!;
}

const FACES = `query($p: ID!, $n: Int) { project(id: $p) { id name model { id name } faces(first: $n) { edges { cursor node {
  id name editCount project { id } root { id seq } head { id seq operation params parentId render { id width height imageUrl segmentationUrl } job { id status } } } }
  pageInfo { hasNextPage endCursor } totalCount } } }`;
const HISTORY = `query($f: ID!, $n: Int) { face(id: $f) { id head { id } edits(first: $n) { totalCount edges { cursor node {
  id seq operation params parentId createdAt parent { id } children { edges { node { id } } } render { id imageUrl } job { id status } } } pageInfo { hasNextPage endCursor } } } }`;

test('listing faces with heads, renders and jobs costs a constant number of queries', async () => {
  const small = await measure(FACES, { p: projectId, n: 2 });
  const large = await measure(FACES, { p: projectId, n: 12 });
  assert.equal(large.result.project.faces.edges.length, 12);
  assert.ok(large.result.project.faces.totalCount >= 12, 'totalCount counts the whole project');
  assert.equal(large.result.project.faces.totalCount, small.result.project.faces.totalCount);
  assert.ok(
    large.result.project.faces.edges.every((e: any) => e.node.head.render?.imageUrl),
    'every head rendered',
  );
  assert.equal(large.queries, small.queries, `queries grew with the page: ${large.texts.join('\n')}`);
  assert.ok(large.queries <= 8, `${large.queries} queries:\n${large.texts.join('\n')}`);
});

test('a page of history with parents, children, renders and jobs costs a constant number of queries', async () => {
  const small = await measure(HISTORY, { f: faces[0].faceId, n: 2 });
  const large = await measure(HISTORY, { f: faces[0].faceId, n: 13 });
  assert.equal(large.result.face.edits.edges.length, 13);
  assert.ok(large.queries <= small.queries, `queries grew with the page: ${large.texts.join('\n')}`);
  assert.ok(large.queries <= 7, `${large.queries} queries:\n${large.texts.join('\n')}`);
});

test('a swap costs a fixed number of statements: the faces, the lock, the head latents and one write', async () => {
  const r = await measure(
    `mutation($f: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $f, sourceFaceId: $s, components: ["eyes"], part: BOTH}) { job { id status } } }`,
    { f: faces[2].faceId, s: faces[3].faceId },
  );
  assert.equal(r.result.swapComponents.job.status, 'QUEUED');
  // countQueries leaves out BEGIN/COMMIT and the write itself (it queues the job and notifies).
  assert.ok(r.queries <= 3, `${r.queries} queries:\n${r.texts.join('\n')}`);
});
