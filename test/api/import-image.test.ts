// importImage: a designer's own picture as a face, through the API, the queue and the worker,
// with the shipped trained model (models/cartoon64) and its encoder. The targets are dataset
// faces the model never saw (sample seeds of dataset seed 7; the model trained on seed 1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'graphql-ws';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { WebSocket } from 'ws';
import { renderSample } from '../../src/dataset/render-sample.ts';
import { sampleSeed } from '../../src/dataset/seeded-random.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createProject, errorCode, ok, snapshot, waitForJob } from './util.ts';
import path from 'node:path';

/**
 * Floors the shipped encoder must clear on these held-out faces. Measured: 24.2 dB and a mean IoU
 * of 0.79 on these four (22.8 dB and 0.80 over 400, docs/model/encoder.md); w_avg for every image,
 * what a broken encoder gives, is 12.6 dB and 0.43; the model before the part-coded one, 20.9 dB.
 */
const PSNR_FLOOR_DB = 21.5;
const IOU_FLOOR = 0.72;
const HELD_OUT = [0, 1, 2, 3].map((i) => sampleSeed(7, i));

let app: TestApp;
let projectId: string;
let components: { index: number; rgb: number[] }[];

function pngOf(size: number, rgb: Uint8Array): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    png.data[i * 4] = rgb[i * 3]!;
    png.data[i * 4 + 1] = rgb[i * 3 + 1]!;
    png.data[i * 4 + 2] = rgb[i * 3 + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

async function fetchPng(url: string): Promise<PNG> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${app.token}` } });
  assert.equal(res.status, 200, url);
  return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
}

function psnrDb(a: PNG, rgb: Uint8Array): number {
  let se = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) se += (a.data[i * 4 + c]! - rgb[i * 3 + c]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / (n * 3)));
}

/** Mean IoU over the classes present in either map (the segmentation PNG's colours are the components'). */
function meanIou(seg: PNG, labels: Uint8Array): number {
  const classOf = new Map(components.map((c) => [c.rgb.join(','), c.index]));
  const inter = new Map<number, number>(),
    union = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const got = classOf.get([seg.data[i * 4], seg.data[i * 4 + 1], seg.data[i * 4 + 2]].join(',')) ?? -1;
    const want = labels[i]!;
    if (got === want) inter.set(want, (inter.get(want) ?? 0) + 1);
    union.set(want, (union.get(want) ?? 0) + 1);
    if (got !== want && got >= 0) union.set(got, (union.get(got) ?? 0) + 1);
  }
  const ious = [...union.keys()].map((k) => (inter.get(k) ?? 0) / union.get(k)!);
  return ious.reduce((s, v) => s + v, 0) / ious.length;
}

const IMPORT = `mutation($p: ID!, $n: String!, $img: String!, $crop: CropInput, $it: Int) {
  importImage(input: {projectId: $p, name: $n, imageBase64: $img, crop: $crop, iterations: $it}) {
    face { id status } edit { id operation params } job { id kind status progress } } }`;

before(async () => {
  app = await startTestApp({ builtinModelsDir: path.join(PROJECT_ROOT, 'models'), demoModel: false });
  projectId = await createProject(app.gql, 'own images');
  const d = await ok(app.gql(`{ models { id name components { index rgb } } }`));
  components = d.models[0].components;
});

after(async () => {
  await app?.close();
});

describe('importImage', () => {
  test('a held-out dataset face becomes a READY face whose INVERT root reconstructs it', async () => {
    const psnrs: number[] = [];
    const stored: number[] = [];
    const ious: number[] = [];
    for (const seed of HELD_OUT) {
      // Drawn at 256 px: the server crops and resizes it to the model's 64 px.
      const big = renderSample(seed, 256);
      const small = renderSample(seed, 64);
      const r = await ok(
        app.gql(IMPORT, { p: projectId, n: `held-out ${seed}`, img: pngOf(256, big.rgb).toString('base64') }),
      );
      assert.equal(r.importImage.face.status, 'INVERTING');
      assert.equal(r.importImage.edit.operation, 'INVERT');
      assert.equal(r.importImage.job.kind, 'INVERT_IMAGE');
      assert.deepEqual(r.importImage.edit.params.crop, { x: 0, y: 0, size: 256 });
      const job = await waitForJob(app.gql, r.importImage.job.id, 120_000);
      assert.equal(job.status, 'SUCCEEDED', job.error);
      const face = await ok(
        app.gql(
          `query($f: ID!) { face(id: $f) { status editCount root { id operation params render { imageUrl segmentationUrl } } } }`,
          { f: r.importImage.face.id },
        ),
      );
      assert.equal(face.face.status, 'READY');
      assert.equal(face.face.editCount, 1);
      assert.equal(face.face.root.id, r.importImage.edit.id);
      psnrs.push(psnrDb(await fetchPng(face.face.root.render.imageUrl), small.rgb));
      stored.push(face.face.root.params.psnr);
      ious.push(meanIou(await fetchPng(face.face.root.render.segmentationUrl), small.labels));
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    console.log(
      `inversion of ${HELD_OUT.length} held-out faces: PSNR ${mean(psnrs).toFixed(2)} dB, mIoU ${mean(ious).toFixed(3)}; stored params.psnr ${stored.join(', ')}`,
    );
    // params.psnr is the worker's own figure against the aligned picture: each one above the
    // plugin's "not like the model's faces" warning (LOW_PSNR_DB, 20 dB, panels/file.ts; these measure 21.4-26.3).
    for (const v of stored) assert.ok(typeof v === 'number' && v > 20, `stored PSNR ${v}`);
    assert.ok(mean(psnrs) >= PSNR_FLOOR_DB, `mean PSNR ${mean(psnrs).toFixed(2)} dB under the floor ${PSNR_FLOOR_DB}`);
    assert.ok(mean(ious) >= IOU_FLOOR, `mean IoU ${mean(ious).toFixed(3)} under the floor ${IOU_FLOOR}`);
  });

  test("a flat grey picture is not like the model's faces: its stored PSNR (18.9 dB) is under 20 dB", async () => {
    const grey = new Uint8Array(128 * 128 * 3).fill(128);
    const r = await ok(app.gql(IMPORT, { p: projectId, n: 'grey', img: pngOf(128, grey).toString('base64') }));
    const job = await waitForJob(app.gql, r.importImage.job.id, 120_000);
    assert.equal(job.status, 'SUCCEEDED', job.error);
    const e = await ok(app.gql(`query($e: ID!) { edit(id: $e) { params } }`, { e: r.importImage.edit.id }));
    console.log(`flat grey picture: stored params.psnr ${e.edit.params.psnr} dB`);
    assert.ok(e.edit.params.psnr < 20, `stored PSNR ${e.edit.params.psnr}`);
  });

  test('jobUpdated reports progress per encoder iteration; the face can be edited once READY', async () => {
    const s = renderSample(HELD_OUT[0]!, 64);
    // JPEG too, and a crop: the 64 px face inside a 96 px canvas.
    const canvas = new Uint8Array(96 * 96 * 4).fill(255);
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        for (let c = 0; c < 3; c++) canvas[((y + 20) * 96 + x + 10) * 4 + c] = s.rgb[(y * 64 + x) * 3 + c]!;
    const jpg = jpeg.encode({ data: canvas, width: 96, height: 96 }, 95).data;
    const client = createClient({
      url: app.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${app.token}` },
    });
    try {
      const r = await ok(
        app.gql(IMPORT, {
          p: projectId,
          n: 'jpeg',
          img: Buffer.from(jpg).toString('base64'),
          crop: { x: 10, y: 20, size: 64 },
          it: 4,
        }),
      );
      // While INVERTING the face has no latent to edit, render or read.
      const early = await app.gql(
        `mutation($f: ID!) { resampleComponents(input: {faceId: $f, components: ["hair"], seed: 3}) { edit { id } } }`,
        { f: r.importImage.face.id },
      );
      if (early.errors) assert.equal(early.errors[0].extensions.code, 'FACE_NOT_READY');
      const updates: { status: string; progress: number | null }[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe<{ jobUpdated: { status: string; progress: number | null } }>(
          {
            query: `subscription($id: ID!) { jobUpdated(id: $id) { status progress } }`,
            variables: { id: r.importImage.job.id },
          },
          { next: (v) => void updates.push(v.data!.jobUpdated), error: reject, complete: resolve },
        );
      });
      assert.equal(updates.at(-1)!.status, 'SUCCEEDED');
      const progress = updates.map((u) => u.progress).filter((p): p is number => p !== null);
      // Progress only moves forward and reaches the last iteration (4 of 5 steps, the render last).
      assert.deepEqual(
        progress,
        [...progress].sort((a, b) => a - b),
      );
      assert.ok(progress.includes(0.8), `progress seen: ${JSON.stringify(progress)}`);
      // ...and ends at 1 with SUCCEEDED, so a progress bar reaches its end.
      assert.equal(updates.at(-1)!.progress, 1);
      const edited = await ok(
        app.gql(
          `mutation($f: ID!) { resampleComponents(input: {faceId: $f, components: ["hair"], seed: 3}) { edit { operation parent { operation } } job { id } } }`,
          { f: r.importImage.face.id },
        ),
      );
      assert.equal(edited.resampleComponents.edit.parent.operation, 'INVERT');
      assert.equal((await waitForJob(app.gql, edited.resampleComponents.job.id)).status, 'SUCCEEDED');
    } finally {
      await client.dispose();
    }
  });

  test('bad images are refused with their code and write nothing', async () => {
    const s = renderSample(HELD_OUT[1]!, 64);
    const good = pngOf(64, s.rgb).toString('base64');
    const before = { ...(await snapshot(app)), sources: await app.ctx.prisma.sourceImage.count() };
    const cases: [string, Record<string, unknown>, string][] = [
      ['not an image', { img: Buffer.from('hello, this is text').toString('base64') }, 'INVALID_IMAGE'],
      ['not base64', { img: '%%%' }, 'BAD_USER_INPUT'],
      [
        'a GIF',
        { img: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64') },
        'UNSUPPORTED_IMAGE_FORMAT',
      ],
      ['a truncated PNG', { img: good.slice(0, 200) }, 'INVALID_IMAGE'],
      ['too large', { img: 'A'.repeat(11_300_000) }, 'UPLOAD_TOO_LARGE'],
      ['too small to crop', { img: pngOf(8, new Uint8Array(8 * 8 * 3)).toString('base64') }, 'BAD_USER_INPUT'],
      ['a crop outside the image', { img: good, crop: { x: 10, y: 0, size: 64 } }, 'BAD_USER_INPUT'],
      ['iterations out of range', { img: good, it: 50 }, 'BAD_USER_INPUT'],
      ['a project of another workspace', { img: good, p: '00000000-0000-7000-8000-000000000000' }, 'NOT_FOUND'],
    ];
    for (const [what, vars, code] of cases) {
      const got = await errorCode(app.gql(IMPORT, { p: projectId, n: what, ...vars }));
      assert.equal(got, code, what);
    }
    assert.deepEqual({ ...(await snapshot(app)), sources: await app.ctx.prisma.sourceImage.count() }, before);
  });
});
