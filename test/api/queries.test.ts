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

test('node(id) refetches a project, face, edit or job by the id it already has; unknown or foreign ids are null', async () => {
  const f = faces[0]!;
  const Q = `query($id: ID!) { node(id: $id) { __typename id ... on Face { name } ... on Edit { seq } ... on Project { name } ... on InferenceJob { status } } }`;
  const read = async (id: string, token?: string) => (await ok(app.gql(Q, { id }, token))).node;
  assert.deepEqual(await read(projectId), { __typename: 'Project', id: projectId, name: 'listing' });
  assert.deepEqual(await read(f.faceId), { __typename: 'Face', id: f.faceId, name: 'f0' });
  assert.deepEqual(await read(f.editId), { __typename: 'Edit', id: f.editId, seq: 1 });
  assert.deepEqual(await read(f.jobId), { __typename: 'InferenceJob', id: f.jobId, status: 'SUCCEEDED' });
  assert.equal(await read('00000000-0000-7000-8000-000000000000'), null);
  assert.equal(await read('not-a-uuid'), null);
  const other = await app.newToken('node-other');
  assert.equal(await read(f.faceId, other), null, "another workspace's face is not there");
});

test('first: every list takes 0 to 100 and refuses more with BAD_USER_INPUT, as its description says', async () => {
  const lists = [
    `{ projects(first: $n) { edges { cursor } } }`,
    `{ project(id: "${projectId}") { faces(first: $n) { edges { cursor } } } }`,
    `{ face(id: "${faces[0]!.faceId}") { edits(first: $n) { edges { cursor } } } }`,
  ].map((q) => `query($n: Int) ${q}`);
  for (const q of lists) {
    await ok(app.gql(q, { n: 100 }));
    await ok(app.gql(q, { n: 0 }));
    for (const n of [101, -1]) {
      const r = await app.gql(q, { n });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${q} first: ${n}`);
      assert.match(r.errors![0].message, /first must be between 0 and 100/);
    }
  }
  const intro = await ok(app.gql(`{ __schema { types { name fields { name description args { name } } } } }`));
  const withFirst = intro.__schema.types.flatMap((t: any) =>
    (t.fields ?? [])
      .filter((f: any) => f.args.some((a: any) => a.name === 'first'))
      .map((f: any) => [`${t.name}.${f.name}`, f]),
  );
  assert.ok(withFirst.length >= 3);
  for (const [where, field] of withFirst)
    assert.match(field.description ?? '', /first: 0 to 100.*BAD_USER_INPUT/, where);
});

test('a history deeper than the depth limit: nested children are refused, the flat list of edits with parentId walks it', async () => {
  const f = faces[0]!; // a chain of 13 edits: the root and 12 swaps
  let nested = 'id';
  for (let i = 0; i < 13; i++) nested = `id children { ${nested} }`;
  const deep = await app.gql(`query($id: ID!) { face(id: $id) { root { ${nested} } } }`, { id: f.faceId });
  assert.equal(deep.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');

  // The documented way: page through Face.edits and rebuild the tree from parentId.
  const edits: { id: string; seq: number; parentId: string | null }[] = [];
  let after: string | null = null;
  for (;;) {
    const d: any = await ok(
      app.gql(
        `query($id: ID!, $after: String) { face(id: $id) { editCount head { id } edits(first: 5, after: $after) {
          edges { node { id seq parentId } } pageInfo { hasNextPage endCursor } } } }`,
        { id: f.faceId, after },
      ),
    );
    edits.push(...d.face.edits.edges.map((e: any) => e.node));
    if (!d.face.edits.pageInfo.hasNextPage) {
      assert.equal(edits.length, d.face.editCount);
      const byParent = new Map(edits.map((e) => [e.parentId, e]));
      const chain = [byParent.get(null)!];
      while (byParent.has(chain.at(-1)!.id)) chain.push(byParent.get(chain.at(-1)!.id)!);
      assert.equal(chain.length, 13, 'root to head, every edit once');
      assert.deepEqual(
        chain.map((e) => e.seq),
        Array.from({ length: 13 }, (_, i) => i + 1),
      );
      assert.equal(chain.at(-1)!.id, d.face.head.id);
      break;
    }
    after = d.face.edits.pageInfo.endCursor;
  }
});
