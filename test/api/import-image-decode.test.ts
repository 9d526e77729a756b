// importImage decodes in a worker thread (src/inference/image-decoder.ts): the API keeps answering
// while a large picture decodes, a queue past its bound is refused at once, and a decode past its
// time limit is stopped with its own code while a fresh worker takes the next picture. The
// pictures are crafted here: PNGs of flat rows, tiny files that decode to tens of megapixels.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageDecoder } from '../../src/inference/image-decoder.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createProject, errorCode, ok } from './util.ts';
import { interlacedInflationBomb, largePng } from '../helpers/image-bombs.ts';

const IMPORT = `mutation($p: ID!, $n: String!, $img: String!) {
  importImage(input: {projectId: $p, name: $n, imageBase64: $img}) { face { id status } } }`;

let app: TestApp;
let projectId: string;
// 40 MP, the pixel limit: about a second of decoding and resizing on a fast core.
let big: string;
// 36 MP colour JPEG. Encoded before the server starts: the encoding blocks this process (the
// server's too) for seconds, and a keep-alive socket that expires meanwhile fails the next fetch.
let jpeg36: string;

before(async () => {
  const side = 6000;
  jpeg36 = Buffer.from(
    jpeg.encode({ data: Buffer.alloc(side * side * 4, 90), width: side, height: side }, 80).data,
  ).toString('base64');
  app = await startTestApp({
    builtinModelsDir: path.join(PROJECT_ROOT, 'models'),
    demoModel: false,
    imageDecode: { workers: 1, maxQueue: 1, timeoutMs: 120_000, maxHeapMb: 768 },
  });
  projectId = await createProject(app.gql, 'decoding');
  big = largePng(8000, 5000).toString('base64');
});

after(async () => {
  await app?.close();
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 6000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `never: ${what}`);
}

test('while a 40 MP picture decodes the API answers; a picture past the queue is refused at once', async () => {
  const images = app.ctx.images;
  const first = ok(app.gql(IMPORT, { p: projectId, n: 'big 1', img: big }));
  await until(() => images.stats().running === 1, 'the first picture decoding');
  const second = ok(app.gql(IMPORT, { p: projectId, n: 'big 2', img: big }));
  await until(() => images.stats().queued === 1, 'the second picture waiting');

  // The decoding runs beside the event loop: a query, and a refusal, come back while it runs.
  const models = await ok(app.gql(`{ models { id } }`));
  assert.ok(models.models.length > 0);
  assert.equal(images.stats().running, 1, 'the query answered only after the decoding ended');
  const refused = await app.gql(IMPORT, { p: projectId, n: 'big 3', img: big });
  assert.equal(refused.errors?.[0].extensions.code, 'IMAGE_DECODER_BUSY', JSON.stringify(refused.errors));
  assert.equal(images.stats().running + images.stats().queued, 2, 'the refusal waited for a decoding to end');

  for (const r of await Promise.all([first, second])) assert.equal(r.importImage.face.status, 'INVERTING');
});

test('a decode past its time limit answers IMAGE_DECODE_TIMEOUT and a fresh worker takes the next picture', async () => {
  const normal = app.ctx.images;
  const strict = new ImageDecoder({ workers: 1, maxQueue: 1, timeoutMs: 200, maxHeapMb: 768 });
  app.ctx.images = strict;
  try {
    const r = await app.gql(IMPORT, { p: projectId, n: 'slow', img: big });
    assert.equal(r.errors?.[0].extensions.code, 'IMAGE_DECODE_TIMEOUT', JSON.stringify(r.errors));
    assert.match(r.errors![0].message, /took longer than/);
    assert.equal(strict.stats().workers, 0, 'the stopped worker is gone');
    const small = new PNG({ width: 64, height: 64 });
    small.data.fill(180);
    const next = await ok(app.gql(IMPORT, { p: projectId, n: 'small', img: PNG.sync.write(small).toString('base64') }));
    assert.equal(next.importImage.face.status, 'INVERTING');
  } finally {
    app.ctx.images = normal;
    await strict.close();
  }
});

test('a 36 MP colour JPEG, within the pixel limit, is decoded (jpeg-js refused it by its own memory cap)', async () => {
  const r = await ok(app.gql(IMPORT, { p: projectId, n: '36 MP', img: jpeg36 }));
  assert.equal(r.importImage.face.status, 'INVERTING');
});

test('the refusals of the decoder answer their codes with a sentence, never a decoder internal', async () => {
  // An interlaced PNG inflating past its stated size, through the API.
  const bomb = interlacedInflationBomb(500, 32).toString('base64');
  const r = await app.gql(IMPORT, { p: projectId, n: 'bomb', img: bomb });
  assert.equal(r.errors?.[0].extensions.code, 'INVALID_IMAGE');
  assert.match(r.errors![0].message, /larger than its stated size/);
  assert.equal(await errorCode(app.gql(IMPORT, { p: projectId, n: 'text', img: 'aGVsbG8=' })), 'INVALID_IMAGE');
});
