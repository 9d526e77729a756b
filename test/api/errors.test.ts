// Bad input gets a stable extensions.code and leaves the database as it was.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../src/inference/npy.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, ok, snapshot, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;
let face: { faceId: string; editId: string; jobId: string };
let other: { faceId: string; editId: string; jobId: string };
let layout: { nLatent: number; dim: number };

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'errors');
  face = await createFace(app.gql, projectId, 1, 'a');
  other = await createFace(app.gql, projectId, 2, 'b');
  await waitForJob(app.gql, face.jobId);
  await waitForJob(app.gql, other.jobId);
  layout = (await ok(app.gql(`{ models { layout { nLatent dim } } }`))).models[0].layout;
});
after(async () => {
  await app?.close();
});

const MISSING = '01900000-0000-7000-8000-000000000000';
const b64 = (data: Float32Array, shape: number[]) => writeNpy(data, shape).toString('base64');

/** Runs the operation, asserts its code (and message part), and that nothing was written. */
async function rejects(query: string, variables: Record<string, unknown>, code: string, message?: RegExp) {
  const before = await snapshot(app);
  const r = await app.gql(query, variables);
  assert.ok(
    r.errors?.length,
    `expected ${code} for ${query} ${JSON.stringify(variables)}, got ${JSON.stringify(r.data)}`,
  );
  assert.equal(
    r.errors![0].extensions?.code,
    code,
    `${query} ${JSON.stringify(variables)}: ${JSON.stringify(r.errors)}`,
  );
  if (message) assert.match(r.errors![0].message, message);
  assert.deepEqual(await snapshot(app), before, 'the database changed');
}

const CREATE_PROJECT = `mutation($n: String!, $m: ID) { createProject(input: {name: $n, modelId: $m}) { id } }`;
const CREATE_FACE = `mutation($p: ID!, $n: String!, $s: Int, $t: Float) { createFace(input: {projectId: $p, name: $n, seed: $s, truncation: $t}) { face { id } } }`;
const IMPORT = `mutation($p: ID!, $l: String!) { importFace(input: {projectId: $p, name: "imp", latentBase64: $l}) { face { id } } }`;
const SWAP = `mutation($t: ID!, $s: ID!, $c: [String!]!, $h: ID) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: $c, part: BOTH, expectedHeadId: $h}) { edit { id } } }`;
const INTERP = `mutation($f: ID!, $o: ID!, $t: Float!) { interpolateComponents(input: {faceId: $f, otherFaceId: $o, components: ["hair"], part: BOTH, t: $t}) { edit { id } } }`;
const TRUNC = `mutation($f: ID!, $psi: Float!) { setTruncation(input: {faceId: $f, psi: $psi}) { edit { id } } }`;
const RESAMPLE = `mutation($f: ID!, $c: [String!]!, $s: Int) { resampleComponents(input: {faceId: $f, components: $c, part: SHAPE, seed: $s}) { edit { id } } }`;
const RENDER = `mutation($f: ID!, $e: ID, $c: [String!]!) { renderFace(input: {faceId: $f, editId: $e, components: $c}) { id } }`;

test('unknown and malformed ids are NOT_FOUND', async () => {
  await rejects(`query($id: ID!) { face(id: $id) { id } }`, { id: MISSING }, 'NOT_FOUND');
  await rejects(`query($id: ID!) { face(id: $id) { id } }`, { id: 'not-a-uuid' }, 'NOT_FOUND');
  await rejects(`query($id: ID!) { edit(id: $id) { id } }`, { id: "1' OR 1=1 --" }, 'NOT_FOUND');
  await rejects(`query($id: ID!) { job(id: $id) { id } }`, { id: MISSING }, 'NOT_FOUND');
  await rejects(`query($id: ID!) { project(id: $id) { id } }`, { id: '' }, 'NOT_FOUND');
  await rejects(CREATE_FACE, { p: MISSING, n: 'x', s: 1 }, 'NOT_FOUND');
  await rejects(SWAP, { t: face.faceId, s: MISSING, c: ['hair'] }, 'NOT_FOUND');
  await rejects(`mutation($id: ID!) { undo(faceId: $id) { id } }`, { id: 'abc' }, 'NOT_FOUND');
  await rejects(`mutation($id: ID!) { revertTo(editId: $id) { id } }`, { id: MISSING }, 'NOT_FOUND');
  await rejects(`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id: MISSING }, 'NOT_FOUND');
});

test('names, models, seeds, truncation, t, psi', async () => {
  await rejects(CREATE_PROJECT, { n: '   ' }, 'BAD_USER_INPUT', /name/);
  await rejects(CREATE_PROJECT, { n: 'x'.repeat(201) }, 'BAD_USER_INPUT');
  await rejects(CREATE_PROJECT, { n: 'p', m: 'no-such-model' }, 'BAD_USER_INPUT', /unknown model/);
  await rejects(CREATE_FACE, { p: projectId, n: 'x', s: -1 }, 'BAD_USER_INPUT', /seed/);
  await rejects(CREATE_FACE, { p: projectId, n: 'x', s: 1, t: 1.6 }, 'BAD_USER_INPUT', /truncation/);
  await rejects(CREATE_FACE, { p: projectId, n: 'x', s: 1, t: -0.1 }, 'BAD_USER_INPUT', /truncation/);
  await rejects(CREATE_FACE, { p: projectId, n: 'x', s: 1, t: 'NaN' }, 'BAD_USER_INPUT');
  await rejects(CREATE_FACE, { p: projectId, n: '', s: 1 }, 'BAD_USER_INPUT');
  await rejects(INTERP, { f: face.faceId, o: other.faceId, t: 1.01 }, 'BAD_USER_INPUT', /\bt\b/);
  await rejects(INTERP, { f: face.faceId, o: other.faceId, t: -0.5 }, 'BAD_USER_INPUT');
  await rejects(TRUNC, { f: face.faceId, psi: 1.51 }, 'BAD_USER_INPUT', /psi/);
  await rejects(TRUNC, { f: face.faceId, psi: -1 }, 'BAD_USER_INPUT', /psi/);
  await rejects(TRUNC, { f: face.faceId, psi: 'Infinity' }, 'BAD_USER_INPUT');
  await rejects(RESAMPLE, { f: face.faceId, c: ['hair'], s: 2 ** 31 }, 'BAD_USER_INPUT');
});

test('component names the model does not have are named in the error', async () => {
  await rejects(
    SWAP,
    { t: face.faceId, s: other.faceId, c: ['hair', 'tail', 'wings'] },
    'BAD_USER_INPUT',
    /"tail", "wings"/,
  );
  await rejects(SWAP, { t: face.faceId, s: other.faceId, c: [] }, 'BAD_USER_INPUT', /at least one/);
  await rejects(SWAP, { t: face.faceId, s: face.faceId, c: ['hair'] }, 'BAD_USER_INPUT', /another face/);
  await rejects(RESAMPLE, { f: face.faceId, c: ['horns'] }, 'BAD_USER_INPUT', /"horns"/);
  await rejects(RENDER, { f: face.faceId, c: ['coarse'] }, 'BAD_USER_INPUT', /"coarse"/);
  // The coarse codes have no shape/texture split: SHAPE or TEXTURE with "coarse" is refused, not ignored.
  await rejects(RESAMPLE, { f: face.faceId, c: ['hair', 'coarse'] }, 'BAD_USER_INPUT', /"coarse".*part BOTH/);
  await rejects(
    `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["coarse"], part: TEXTURE}) { edit { id } } }`,
    { t: face.faceId, s: other.faceId },
    'BAD_USER_INPUT',
    /part BOTH/,
  );
  await rejects(RENDER, { f: face.faceId, e: other.editId, c: ['hair'] }, 'BAD_USER_INPUT', /not an edit of face/);
  await rejects(
    `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"], part: SIDEWAYS}) { edit { id } } }`,
    { t: face.faceId, s: other.faceId },
    'GRAPHQL_VALIDATION_FAILED',
  );
});

test('expectedHeadId that is not the head is a CONFLICT', async () => {
  await rejects(SWAP, { t: face.faceId, s: other.faceId, c: ['hair'], h: other.editId }, 'CONFLICT', /head/);
  await rejects(SWAP, { t: face.faceId, s: other.faceId, c: ['hair'], h: 'garbage' }, 'BAD_USER_INPUT');
});

test('undo at the root, redo without a child, revertTo another face', async () => {
  await rejects(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: face.faceId }, 'NOTHING_TO_UNDO');
  await rejects(`mutation($f: ID!) { redo(faceId: $f) { id } }`, { f: face.faceId }, 'NOTHING_TO_REDO');
  await rejects(
    `mutation($e: ID!, $f: ID!) { revertTo(editId: $e, faceId: $f) { id } }`,
    { e: other.editId, f: face.faceId },
    'BAD_USER_INPUT',
  );
});

test('NaN, wrong-shape, wrong-dtype, non-base64 and oversized latents', async () => {
  const n = layout.nLatent * layout.dim;
  const nan = new Float32Array(n);
  nan[5] = NaN;
  await rejects(
    IMPORT,
    { p: projectId, l: b64(nan, [1, layout.nLatent, layout.dim]) },
    'BAD_USER_INPUT',
    /non-finite|NaN/,
  );
  const inf = new Float32Array(layout.dim).fill(Infinity);
  await rejects(IMPORT, { p: projectId, l: b64(inf, [1, layout.dim]) }, 'BAD_USER_INPUT');
  await rejects(
    IMPORT,
    { p: projectId, l: b64(new Float32Array(n + layout.dim), [1, layout.nLatent + 1, layout.dim]) },
    'BAD_USER_INPUT',
    /shape/,
  );
  await rejects(
    IMPORT,
    { p: projectId, l: b64(new Float32Array(2 * n), [2, layout.nLatent, layout.dim]) },
    'BAD_USER_INPUT',
  );
  const f64 = writeNpy(new Float32Array(layout.dim), [1, layout.dim]);
  f64.write('<f8', f64.indexOf('<f4'), 'latin1');
  await rejects(IMPORT, { p: projectId, l: f64.toString('base64') }, 'BAD_USER_INPUT', /dtype/);
  await rejects(IMPORT, { p: projectId, l: 'this is not base64!' }, 'BAD_USER_INPUT');
  await rejects(IMPORT, { p: projectId, l: Buffer.from('hello world').toString('base64') }, 'BAD_USER_INPUT', /npy/);
  await rejects(IMPORT, { p: projectId, l: 'A'.repeat(600 * 1024) }, 'UPLOAD_TOO_LARGE');
  // a plain w [1, D] imports (broadcast to every row)
  const w = await ok(
    app.gql(IMPORT, { p: projectId, l: b64(new Float32Array(layout.dim).fill(0.25), [1, layout.dim]) }),
  );
  assert.ok(w.importFace.face.id);
});

test('page sizes and cursors', async () => {
  await rejects(`{ projects(first: 101) { edges { cursor } } }`, {}, 'BAD_USER_INPUT', /first/);
  await rejects(`{ projects(first: -1) { edges { cursor } } }`, {}, 'BAD_USER_INPUT');
  await rejects(`{ projects(after: "bogus!") { edges { cursor } } }`, {}, 'BAD_USER_INPUT', /cursor/);
  await rejects(
    `query($f: ID!) { face(id: $f) { edits(after: "aWQ6eA") { edges { cursor } } } }`,
    { f: face.faceId },
    'BAD_USER_INPUT',
  );
});

test('query depth and cost limits', async () => {
  const deep = `query($f: ID!) { face(id: $f) { head { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } }`;
  await rejects(deep, { f: face.faceId }, 'QUERY_TOO_DEEP', /depth/);
  const costly = `{ projects(first: 100) { edges { node { faces(first: 100) { edges { node { edits(first: 100) { edges { node { id children { totalCount } } } } } } } } } } }`;
  await rejects(costly, {}, 'QUERY_TOO_COMPLEX', /cost/);
  // introspection is not limited by depth
  const intro = await app.gql(
    `{ __schema { types { name fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } }`,
  );
  assert.equal(intro.errors, undefined);
});

test('oversized request bodies are answered 413 PAYLOAD_TOO_LARGE', async () => {
  const before = await snapshot(app);
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
    body: JSON.stringify({ query: IMPORT, variables: { p: projectId, l: 'A'.repeat(12_700_000) } }),
  });
  assert.equal(res.status, 413);
  const body = (await res.json()) as any;
  assert.equal(body.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
  assert.deepEqual(await snapshot(app), before);
});

test("Node's own fetch reads the 413 and its code for bodies of 13 to 30 MB (the server reads the refused body before closing)", async () => {
  const before = await snapshot(app);
  for (const mb of [13, 20, 30]) {
    // Sent as a stream too (no Content-Length): the limit is found while reading.
    for (const streamed of [false, true]) {
      const json = Buffer.from(JSON.stringify({ query: IMPORT, variables: { p: projectId, l: 'A'.repeat(mb * 1e6) } }));
      const body = streamed
        ? new ReadableStream({
            start(c) {
              for (let i = 0; i < json.length; i += 1 << 20) c.enqueue(json.subarray(i, i + (1 << 20)));
              c.close();
            },
          })
        : json;
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
        body,
        ...(streamed ? { duplex: 'half' } : {}),
      } as RequestInit);
      assert.equal(res.status, 413, `${mb} MB${streamed ? ' streamed' : ''}`);
      assert.equal(((await res.json()) as any).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    }
  }
  assert.deepEqual(await snapshot(app), before);
});
