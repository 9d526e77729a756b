// Dry runs (previewEdit), PREVIEW renders (renderFace quality) and Edit.description, over HTTP on
// a real database with the worker rendering in process (demo model).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeEdit } from '../../src/domain/edit-description.ts';
import { createFace, createProject, errorCode, ok, snapshot, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;
let ada: { faceId: string; editId: string; jobId: string };
let grace: { faceId: string; editId: string; jobId: string };

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'previews');
  ada = await createFace(app.gql, projectId, 1, 'Ada');
  grace = await createFace(app.gql, projectId, 2, 'Grace');
});
after(async () => {
  await app?.close();
});

const PREVIEW = 'imageUrl width height quality operation params description';

/** Pixels of a PNG (a data: URL or fetched bytes). */
function pixels(png: Buffer): { width: number; data: Buffer } {
  const p = PNG.sync.read(png);
  return { width: p.width, data: p.data };
}
const fromDataUrl = (url: string) => {
  assert.match(url, /^data:image\/png;base64,/);
  return Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
};
async function fetchPng(url: string): Promise<Buffer> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${app.token}` } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}
function maxDiff(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// One input per operation: the dry run's field and the real mutation with the same input.
const OPERATIONS = [
  {
    field: 'swap',
    mutation: 'swapComponents(input: $i)',
    type: 'SwapComponentsInput',
    input: () => ({
      targetFaceId: ada.faceId,
      sourceFaceId: grace.faceId,
      components: ['eyes', 'mouth'],
      part: 'TEXTURE',
    }),
    faceId: () => ada.faceId,
    description: 'eyes and mouth texture from Grace',
  },
  {
    field: 'resample',
    mutation: 'resampleComponents(input: $i)',
    type: 'ResampleComponentsInput',
    input: () => ({ faceId: ada.faceId, components: ['hair'], seed: 812 }),
    faceId: () => ada.faceId,
    description: 'hair resampled, seed 812',
  },
  {
    field: 'interpolate',
    mutation: 'interpolateComponents(input: $i)',
    type: 'InterpolateComponentsInput',
    input: () => ({ faceId: grace.faceId, otherFaceId: ada.faceId, components: ['hair'], part: 'SHAPE', t: 0.3 }),
    faceId: () => grace.faceId,
    description: 'blend 0.3 toward Ada: hair shape',
  },
  {
    field: 'truncation',
    mutation: 'setTruncation(input: $i)',
    type: 'SetTruncationInput',
    input: () => ({ faceId: grace.faceId, psi: 0.5 }),
    faceId: () => grace.faceId,
    description: 'truncation 0.5',
  },
] as const;

describe('previewEdit', () => {
  for (const op of OPERATIONS) {
    test(`${op.field}: writes nothing, and shows what the edit then makes`, async () => {
      const before = await snapshot(app);
      const d = await ok(
        app.gql(`mutation($i: ${op.type}!) { previewEdit(input: {${op.field}: $i}) { ${PREVIEW} } }`, {
          i: op.input(),
        }),
      );
      const p = d.previewEdit;
      assert.deepEqual(await snapshot(app), before, 'no Edit row, no job, no head moved');
      assert.equal(p.quality, 'PREVIEW');
      assert.equal(p.description, op.description);
      const previewPng = pixels(fromDataUrl(p.imageUrl));
      assert.equal(previewPng.width, p.width);
      assert.ok(p.width < 128, 'smaller than the demo model’s 128 px');

      // The real edit with the same input: same operation and params, and its PREVIEW render is the image.
      const e = await ok(
        app.gql(
          `mutation($i: ${op.type}!) { ${op.mutation} { edit { id operation params description } job { id } } }`,
          {
            i: op.input(),
          },
        ),
      );
      const edit = Object.values(e)[0] as any;
      assert.equal(edit.edit.operation, p.operation);
      assert.deepEqual(edit.edit.params, p.params);
      assert.equal(edit.edit.description, op.description);
      const job = await ok(
        app.gql(
          `mutation($f: ID!, $e: ID) { renderFace(input: {faceId: $f, editId: $e, components: ${JSON.stringify([
            'background',
            'face',
            'eyes',
            'eyebrows',
            'mouth',
            'nose',
            'ears',
            'hair',
            'neck',
            'cloth',
            'eyeglasses',
            'hat',
            'earrings',
          ])}, quality: PREVIEW}) { id } }`,
          { f: op.faceId(), e: edit.edit.id },
        ),
      );
      const done = await waitForJob(app.gql, job.renderFace.id);
      assert.equal(done.status, 'SUCCEEDED', done.error);
      assert.equal(done.render.width, p.width);
      const rendered = pixels(await fetchPng(done.render.imageUrl));
      assert.ok(maxDiff(rendered.data, previewPng.data) <= 2, 'the dry run shows the edit’s own preview');
    });
  }

  test('FULL quality on request: the full side', async () => {
    const d = await ok(
      app.gql(
        `mutation($i: SetTruncationInput!) { previewEdit(input: {truncation: $i, quality: FULL}) { width quality } }`,
        {
          i: { faceId: ada.faceId, psi: 0.9 },
        },
      ),
    );
    assert.deepEqual(d.previewEdit, { width: 128, quality: 'FULL' });
  });

  test('bad input gets the real edit’s codes and writes nothing', async () => {
    const other = await app.newToken('elsewhere');
    const before = await snapshot(app);
    const run = (input: object) =>
      errorCode(app.gql(`mutation($i: PreviewEditInput!) { previewEdit(input: $i) { width } }`, { i: input }));
    assert.equal(await run({}), 'BAD_USER_INPUT', 'no operation');
    assert.equal(
      await run({
        truncation: { faceId: ada.faceId, psi: 0.5 },
        resample: { faceId: ada.faceId, components: ['hair'] },
      }),
      'BAD_USER_INPUT',
      'two operations',
    );
    assert.equal(await run({ truncation: { faceId: ada.faceId, psi: 9 } }), 'BAD_USER_INPUT');
    assert.equal(await run({ resample: { faceId: ada.faceId, components: ['wings'] } }), 'BAD_USER_INPUT');
    assert.equal(
      await run({ swap: { targetFaceId: ada.faceId, sourceFaceId: ada.faceId, components: ['hair'] } }),
      'BAD_USER_INPUT',
    );
    assert.equal(await run({ truncation: { faceId: '00000000-0000-4000-8000-000000000000', psi: 0.5 } }), 'NOT_FOUND');
    assert.equal(
      await run({ truncation: { faceId: ada.faceId, psi: 0.5, expectedHeadId: ada.editId } }),
      'CONFLICT',
      'Ada has moved on since her first edit',
    );
    const r = await app.gql(
      `mutation($i: PreviewEditInput!) { previewEdit(input: $i) { width } }`,
      { i: { truncation: { faceId: ada.faceId, psi: 0.5 } } },
      other,
    );
    assert.equal(r.errors?.[0]?.extensions?.code, 'NOT_FOUND', 'another workspace sees no face');
    assert.deepEqual(await snapshot(app), before);
  });
});

describe('renderFace quality and Edit.description', () => {
  test('PREVIEW renders are cached apart from FULL and never become the edit’s render', async () => {
    const q = (quality: string) =>
      app.gql(
        `mutation($f: ID!) { renderFace(input: {faceId: $f, components: ["face", "hair"], quality: ${quality}}) { id } }`,
        {
          f: ada.faceId,
        },
      );
    const full = await waitForJob(app.gql, (await ok(q('FULL'))).renderFace.id);
    const preview = await waitForJob(app.gql, (await ok(q('PREVIEW'))).renderFace.id);
    const again = await waitForJob(app.gql, (await ok(q('PREVIEW'))).renderFace.id);
    assert.equal(full.render.width, 128);
    assert.ok(preview.render.width < 128);
    assert.notEqual(preview.render.id, full.render.id, 'quality is part of the render key');
    assert.equal(again.render.id, preview.render.id, 'a repeated preview is a cache hit');
    const d = await ok(
      app.gql(`query($f: ID!) { face(id: $f) { head { id render { id width } } } }`, { f: ada.faceId }),
    );
    const headRender = d.face.head.render;
    if (headRender) assert.equal(headRender.width, 128, 'an edit’s render is FULL');
  });

  test('roots say how they were made', async () => {
    const d = await ok(app.gql(`query($e: ID!) { edit(id: $e) { description } }`, { e: ada.editId }));
    assert.equal(d.edit.description, 'sampled, seed 1');
  });
});

describe('describeEdit', () => {
  test('lists, parts, unknown faces and operations', () => {
    assert.equal(
      describeEdit('SWAP', { components: ['eyes', 'nose', 'mouth'], part: 'BOTH' }, 'Grace'),
      'eyes, nose and mouth from Grace',
    );
    assert.equal(describeEdit('SWAP', { components: ['hair'], part: 'SHAPE' }), 'hair shape from another face');
    assert.equal(
      describeEdit('RESAMPLE', { components: ['hair', 'coarse'], part: 'TEXTURE', seed: 7 }),
      'hair and coarse texture resampled, seed 7',
    );
    assert.equal(
      describeEdit('INTERPOLATE', { components: ['hair'], part: 'BOTH', t: 0.30000001192092896 }, 'Ada'),
      'blend 0.3 toward Ada: hair',
    );
    assert.equal(describeEdit('IMPORT', { bytes: 100 }), 'imported');
    // Seeds are shown exactly, however large (a 6-digit precision once made 702965380 read 702965000).
    assert.equal(describeEdit('SAMPLE', { seed: 702965380 }), 'sampled, seed 702965380');
    assert.equal(
      describeEdit('RESAMPLE', { components: ['hair'], part: 'BOTH', seed: 4294967295 }),
      'hair resampled, seed 4294967295',
    );
    assert.equal(describeEdit('ATTRIBUTE', {}), 'attribute');
    assert.equal(describeEdit('ATTRIBUTE', { attribute: 'hair area', amount: -1.5 }), 'hair area -1.5');
    // A slider's move is told in the spreads the designer chose, not the W distance it became.
    assert.equal(
      describeEdit('ATTRIBUTE', { attribute: 'hair-height', amount: 2.94897, spreads: 2.9999999 }),
      'hair-height +3',
    );
    assert.equal(describeEdit('INVERT', { width: 256, height: 192 }), 'found from an image (256 x 192)');
  });
});
