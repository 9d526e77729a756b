// Concurrent edits on one face serialise on the face's row lock: no lost edit, one consistent tree.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, ok } from './util.ts';

let app: TestApp;
let projectId: string;
let source: { faceId: string };

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'concurrency');
  source = await createFace(app.gql, projectId, 99, 'source');
});
after(async () => {
  await app?.close();
});

const SWAP = `mutation($t: ID!, $s: ID!, $c: [String!]!, $h: ID) {
  swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: $c, part: BOTH, expectedHeadId: $h}) { edit { id seq parentId } } }`;
const COMPONENTS = ['hair', 'eyes', 'mouth', 'nose', 'face'];

async function history(
  faceId: string,
): Promise<{ editCount: number; head: { id: string }; edits: { id: string; seq: number; parentId: string | null }[] }> {
  const d = await ok(
    app.gql(
      `query($f: ID!) { face(id: $f) { editCount head { id } edits(first: 100) { edges { node { id seq parentId } } } } }`,
      { f: faceId },
    ),
  );
  return {
    ...d.face,
    edits: d.face.edits.edges.map((e: any) => e.node) as { id: string; seq: number; parentId: string | null }[],
  };
}

test('20 concurrent swaps on one face make 20 edits in one consistent tree', async () => {
  const target = await createFace(app.gql, projectId, 1, 'target');
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      app.gql(SWAP, { t: target.faceId, s: source.faceId, c: [COMPONENTS[i % COMPONENTS.length]] }),
    ),
  );
  for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const h = await history(target.faceId);
  assert.equal(h.editCount, 21);
  assert.equal(h.edits.length, 21);
  const seqs = h.edits.map((e) => e.seq).sort((a, b) => a - b);
  assert.deepEqual(
    seqs,
    Array.from({ length: 21 }, (_, i) => i + 1),
    'seq 1..21, unique',
  );
  const ids = new Set(h.edits.map((e) => e.id));
  for (const r of results) assert.ok(ids.has(r.data!.swapComponents.edit.id), 'no lost edit');
  for (const e of h.edits) if (e.parentId) assert.ok(ids.has(e.parentId), 'every parent is an edit of this face');
  assert.ok(ids.has(h.head.id));
  // serialised: each edit stacks on the one before it (a chain), the head is the newest
  const bySeq = new Map(h.edits.map((e) => [e.seq, e]));
  for (let s = 2; s <= 21; s++) assert.equal(bySeq.get(s)!.parentId, bySeq.get(s - 1)!.id);
  assert.equal(h.head.id, bySeq.get(21)!.id);
});

test('with expectedHeadId, concurrent edits conflict cleanly: exactly one wins', async () => {
  const target = await createFace(app.gql, projectId, 2, 'guarded');
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      app.gql(SWAP, { t: target.faceId, s: source.faceId, c: [COMPONENTS[i % COMPONENTS.length]], h: target.editId }),
    ),
  );
  const won = results.filter((r) => !r.errors);
  const lost = results.filter((r) => r.errors);
  assert.equal(won.length, 1);
  for (const r of lost) assert.equal(r.errors![0].extensions.code, 'CONFLICT');
  const h = await history(target.faceId);
  assert.equal(h.editCount, 2);
  assert.equal(h.head.id, won[0].data!.swapComponents.edit.id);
});

test('concurrent undo/redo/swap mixes keep the tree consistent', async () => {
  const target = await createFace(app.gql, projectId, 3, 'mixed');
  const ops = Array.from({ length: 24 }, (_, i) => {
    if (i % 3 === 1) return app.gql(`mutation($f: ID!) { undo(faceId: $f) { id } }`, { f: target.faceId });
    if (i % 3 === 2) return app.gql(`mutation($f: ID!) { redo(faceId: $f) { id } }`, { f: target.faceId });
    return app.gql(SWAP, { t: target.faceId, s: source.faceId, c: ['hair'] });
  });
  const results = await Promise.all(ops);
  for (const r of results)
    if (r.errors) assert.ok(['NOTHING_TO_UNDO', 'NOTHING_TO_REDO'].includes(r.errors[0].extensions.code));
  const h = await history(target.faceId);
  assert.equal(h.editCount, 9);
  assert.equal(h.edits.length, 9);
  const ids = new Set(h.edits.map((e) => e.id));
  assert.ok(ids.has(h.head.id));
  for (const e of h.edits) if (e.seq > 1) assert.ok(e.parentId && ids.has(e.parentId));
});
