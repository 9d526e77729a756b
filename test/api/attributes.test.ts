// Attributes over HTTP against a real database and the in-process worker: directions learned
// from the demo model's renders and shipped in its directory's directions.json are loaded by the
// server, listed on the model, and editAttribute moves a face along one as an ATTRIBUTE edit
// through the queue; learnAttribute fits one from marked faces; bad inputs change nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { directionRows } from '../../src/directions/direction.ts';
import { writeDirections } from '../../src/directions/file.ts';
import { learnDirections } from '../../src/directions/learn.ts';
import { readNpy } from '../../src/inference/npy.ts';
import { ensureDemoModel } from '../../src/inference/demo.ts';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { DEMO_MODEL_DIR_NAME } from '../../src/models/registry.ts';
import { TEST_MODELS_DIR, startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, errorCode, ok, snapshot, waitForJob } from './util.ts';

let app: TestApp;
let projectId: string;
let face: { faceId: string; editId: string; jobId: string };
let attribute: { name: string; component: string; part: string; spread: number };
const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-attr-models-'));

before(async () => {
  // The demo model with learned directions in its directory, as `ssg learn-directions` leaves it.
  const shared = path.join(TEST_MODELS_DIR, DEMO_MODEL_DIR_NAME);
  await ensureDemoModel(shared);
  const dir = path.join(modelsDir, DEMO_MODEL_DIR_NAME);
  fs.cpSync(shared, dir, { recursive: true });
  const rt = await ModelRuntime.load(dir);
  try {
    const learned = await learnDirections(rt, {
      samples: 120,
      seed: 2,
      minR2: -Infinity,
      minAccuracyGain: -Infinity,
      minLocalEffect: -Infinity,
    });
    writeDirections(dir, rt.info, learned.directions, { samples: 120, seed: 2, truncation: 0.7 });
  } finally {
    await rt.close();
  }
  app = await startTestApp({ modelsDir });
  projectId = await createProject(app.gql, 'attributes');
  face = await createFace(app.gql, projectId, 11, 'subject');
  await waitForJob(app.gql, face.jobId);
});
after(async () => {
  await app?.close();
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

const EDIT = `mutation($i: EditAttributeInput!) { editAttribute(input: $i) {
  face { id head { id } } edit { id operation params parentId } job { id status } } }`;

async function latentOf(editId: string): Promise<Float32Array> {
  const d = await ok(app.gql(`query($e: ID!) { edit(id: $e) { latentNpyBase64 } }`, { e: editId }));
  return readNpy(Buffer.from(d.edit.latentNpyBase64, 'base64')).data;
}

describe('attributes', () => {
  test("the model lists the directions of its directory's directions.json", async () => {
    const d = await ok(
      app.gql(`{ models { id attributes { name component part accuracy spread source method samples } } }`),
    );
    const attrs = d.models[0].attributes;
    assert.ok(attrs.length > 5, `attributes: ${attrs.length}`);
    for (const a of attrs) {
      assert.equal(a.source, 'LEARNED');
      assert.ok(['SHAPE', 'TEXTURE'].includes(a.part));
      assert.ok(a.spread > 0);
      assert.ok(a.name.startsWith(`${a.component}-`));
    }
    const area = attrs.filter((a: any) => a.name.endsWith('-area'));
    attribute = area.reduce((a: any, b: any) => (b.accuracy > a.accuracy ? b : a));
  });

  test('editAttribute: an ATTRIBUTE edit whose latent differs from its parent on the part rows only, rendered by the queue', async () => {
    const amount = 2 * attribute.spread;
    const d = await ok(
      app.gql(EDIT, { i: { faceId: face.faceId, attribute: attribute.name, amount, expectedHeadId: face.editId } }),
    );
    const e = d.editAttribute.edit;
    assert.equal(e.operation, 'ATTRIBUTE');
    assert.equal(e.parentId, face.editId);
    assert.equal(d.editAttribute.face.head.id, e.id);
    assert.equal(e.params.attribute, attribute.name);
    assert.equal(e.params.amount, amount);
    assert.equal(e.params.component, attribute.component);
    const job = await waitForJob(app.gql, d.editAttribute.job.id);
    assert.equal(job.status, 'SUCCEEDED');
    assert.ok(job.render.imageUrl);

    const [before, after] = [await latentOf(face.editId), await latentOf(e.id)];
    const info = app.ctx.models.list()[0];
    const rows = new Set(directionRows(info, { component: attribute.component, part: attribute.part as 'SHAPE' }));
    const D = info.layout.dim;
    let moved = 0;
    for (let r = 0; r < info.layout.nLatent; r++) {
      let diff = 0;
      for (let i = 0; i < D; i++) diff += (after[r * D + i] - before[r * D + i]) ** 2;
      if (rows.has(r)) moved = Math.sqrt(diff);
      else assert.equal(diff, 0, `row ${r} is untouched`);
    }
    assert.ok(Math.abs(moved - amount) < 1e-3 * amount, `the part row moved by ${moved}, amount ${amount}`);
    face.editId = e.id;
  });

  test('previewEdit with attribute: the same edit as a dry run, nothing written', async () => {
    const before = await snapshot(app);
    const amount = attribute.spread;
    const d = await ok(
      app.gql(
        `mutation($i: PreviewEditInput!) { previewEdit(input: $i) { imageUrl operation params description quality } }`,
        { i: { attribute: { faceId: face.faceId, attribute: attribute.name, amount } } },
      ),
    );
    assert.equal(d.previewEdit.operation, 'ATTRIBUTE');
    assert.equal(d.previewEdit.params.attribute, attribute.name);
    assert.match(d.previewEdit.imageUrl, /^data:image\/png;base64,/);
    assert.match(d.previewEdit.description, new RegExp(attribute.name));
    const bad = await app.gql(`mutation($i: PreviewEditInput!) { previewEdit(input: $i) { operation } }`, {
      i: { attribute: { faceId: face.faceId, attribute: 'nose-sparkle', amount } },
    });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(await snapshot(app), before, 'a preview writes nothing');
  });

  test('bad inputs are refused with a clear code and change nothing', async () => {
    const stranger = await app.newToken('stranger');
    const before = await snapshot(app);
    const good = { faceId: face.faceId, attribute: attribute.name, amount: attribute.spread };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...good, attribute: 'nose-sparkle' }, 'BAD_USER_INPUT', /unknown attribute "nose-sparkle".*valid:/],
      [{ ...good, amount: 1000 * attribute.spread }, 'BAD_USER_INPUT', /beyond 10 spreads/],
      [{ ...good, faceId: '0190c0de-0000-7000-8000-000000000000' }, 'NOT_FOUND', /not found/],
      [{ ...good, faceId: 'nope' }, 'NOT_FOUND', /not found/],
      [{ ...good, expectedHeadId: '0190c0de-0000-7000-8000-000000000000' }, 'CONFLICT', /expected/],
    ];
    for (const [input, code, message] of cases) {
      const r = await app.gql(EDIT, { i: input });
      assert.equal(r.errors?.[0]?.extensions?.code, code, JSON.stringify(r.errors));
      assert.match(r.errors![0].message, message);
    }
    // A non-finite amount cannot be written in JSON; 1e400 reads as Infinity and is refused.
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
      body: `{"query": ${JSON.stringify(EDIT)}, "variables": {"i": {"faceId": "${face.faceId}", "attribute": "${attribute.name}", "amount": 1e400}}}`,
    });
    const body = (await res.json()) as { errors?: any[] };
    assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(body));
    // Another workspace's token does not see the face.
    assert.equal(await errorCode(app.gql(EDIT, { i: good }, stranger)), 'NOT_FOUND');
    assert.deepEqual(await snapshot(app), before, 'the database changed');
  });

  test('learnAttribute fits a direction from marked faces, for the workspace only', async () => {
    const faces = [];
    for (let s = 0; s < 8; s++) faces.push((await createFace(app.gql, projectId, 100 + s, `f${s}`)).faceId);
    const q = `mutation($i: LearnAttributeInput!) { learnAttribute(input: $i) { name component part accuracy spread source method samples } }`;
    const input = {
      projectId,
      name: 'big hair',
      component: 'hair',
      part: 'SHAPE',
      positiveFaceIds: faces.slice(0, 4),
      negativeFaceIds: faces.slice(4),
    };
    const d = await ok(app.gql(q, { i: input }));
    assert.equal(d.learnAttribute.source, 'EXAMPLES');
    assert.equal(d.learnAttribute.samples, 8);
    assert.ok(d.learnAttribute.accuracy >= 0 && d.learnAttribute.accuracy <= 1);
    const mine = await ok(app.gql(`{ models { attributes { name source } } }`));
    assert.ok(mine.models[0].attributes.some((a: any) => a.name === 'big hair' && a.source === 'EXAMPLES'));
    const stranger = await app.newToken('other');
    const theirs = await ok(app.gql(`{ models { attributes { name } } }`, {}, stranger));
    assert.ok(!theirs.models[0].attributes.some((a: any) => a.name === 'big hair'), "another workspace doesn't see it");
    const edited = await ok(app.gql(EDIT, { i: { faceId: faces[5], attribute: 'big hair', amount: 1 } }));
    assert.equal(edited.editAttribute.edit.params.source, 'examples');

    const before = await snapshot(app);
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ ...input, positiveFaceIds: faces.slice(0, 1) }, /at least 2/],
      [{ ...input, negativeFaceIds: [faces[0], faces[5]] }, /listed twice/],
      [{ ...input, component: 'tail' }, /unknown component/],
      [{ ...input, name: attribute.name }, /model's own/],
    ];
    for (const [i, message] of refused) {
      const r = await app.gql(q, { i });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.errors));
      assert.match(r.errors![0].message, message);
    }
    assert.deepEqual(await snapshot(app), before);
  });

  test("learnAttribute fits off the event loop: another tenant's query answers while it fits; one fit at a time per token", async () => {
    // Enough faces that the fit (11 linear SVMs on 1,024 features) takes a measurable time.
    const faces: string[] = [];
    for (let b = 0; b < 20; b++) {
      const fields = Array.from(
        { length: 20 },
        (_, i) =>
          `f${i}: createFace(input: {projectId: "${projectId}", name: "m${b * 20 + i}", seed: ${1000 + b * 20 + i}, truncation: 0.7}) { face { id } }`,
      );
      const d = await ok(app.gql(`mutation { ${fields.join('\n')} }`));
      faces.push(...Object.values(d).map((f: any) => f.face.id));
    }
    const q = `mutation($i: LearnAttributeInput!) { learnAttribute(input: $i) { name samples } }`;
    const input = {
      projectId,
      name: 'long fit',
      component: 'hair',
      part: 'BOTH',
      positiveFaceIds: faces.slice(0, 200),
      negativeFaceIds: faces.slice(200),
    };
    let settled = false;
    const learning = app.gql(q, { i: input }).finally(() => (settled = true));
    while (app.ctx.fits.running === 0 && !settled) await new Promise((r) => setTimeout(r, 1));
    assert.equal(settled, false, 'the fit ended before the other requests were sent');
    // The same token's second fit is refused at once; another tenant's query is answered.
    const again = await app.gql(q, { i: { ...input, name: 'second fit' } });
    assert.equal(again.errors?.[0]?.extensions?.code, 'TOO_MANY_IN_FLIGHT', JSON.stringify(again.errors));
    assert.equal(again.errors![0].extensions.limit, 1);
    const other = await app.newToken('bystander');
    await ok(app.gql(`{ models { id } }`, {}, other));
    assert.equal(settled, false, "the other tenant's query waited for the fit");
    assert.equal(app.ctx.fits.running, 1);
    const d = await ok(learning);
    assert.equal(d.learnAttribute.samples, 400);
    // Its slot is free again.
    await ok(
      app.gql(q, {
        i: { ...input, name: 'second fit', positiveFaceIds: faces.slice(0, 3), negativeFaceIds: faces.slice(3, 6) },
      }),
    );
  });
});
