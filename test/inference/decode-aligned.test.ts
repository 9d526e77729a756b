// decodeAligned, what the decoder workers run: a non-interlaced PNG read a row at a time and a JPEG
// decoded by libvips. A designer must get the same aligned picture as from the whole-image decoders
// (pngjs, jpeg-js + alignImage): the PNG exactly, for every pixel format, crop and filter, the JPEG
// within a few levels; a damaged stream is refused with a sentence, not a crash.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { test } from 'node:test';
import jpegJs from 'jpeg-js';
import { PNG } from 'pngjs';
import { alignImage, decodeAligned, decodeImage, ImageInputError, type Crop } from '../../src/inference/image-input.ts';
import { chunk, ihdr, PNG_SIGNATURE } from '../helpers/image-bombs.ts';

const IEND = chunk('IEND', Buffer.alloc(0));

/** A w x h picture with gradients, noise and half-transparent pixels (every row filter gets used). */
function picture(w: number, h: number, seed: number): PNG {
  const png = new PNG({ width: w, height: h });
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 255;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      png.data[i] = (x * 7 + y) & 255;
      png.data[i + 1] = rnd();
      png.data[i + 2] = (y * 5) & 255;
      png.data[i + 3] = x % 5 === 0 ? rnd() : 255;
    }
  return png;
}

async function same(bytes: Buffer, side: number, crop?: Crop) {
  const whole = alignImage(decodeImage(bytes), side, crop);
  const streamed = await decodeAligned(bytes, side, crop);
  assert.deepEqual(streamed.crop, whole.crop);
  assert.ok(streamed.png.equals(whole.png), 'the row reader gives the same aligned picture');
}

test('RGBA, RGB, grey and grey + alpha at 8 and 16 bits: the same aligned picture as the whole-image decoder', async () => {
  const src = picture(97, 75, 3);
  for (const colorType of [6, 2, 0, 4] as const)
    for (const bitDepth of [8, 16] as const) {
      const bytes = PNG.sync.write(src, { colorType, bitDepth, inputColorType: 6, inputHasAlpha: true });
      await same(bytes, 16);
      await same(bytes, 32, { x: 10, y: 5, size: 60 });
    }
});

test('a crop smaller than the output (enlarging) and a crop at the far corner', async () => {
  const bytes = PNG.sync.write(picture(120, 90, 9));
  await same(bytes, 64, { x: 3, y: 4, size: 40 });
  await same(bytes, 16, { x: 30, y: 0, size: 90 });
});

test('a 4-bit palette PNG with transparency, and an RGB PNG with a transparent colour', async () => {
  const w = 37,
    h = 29;
  const palette = Buffer.from(Array.from({ length: 16 * 3 }, (_, i) => (i * 37) & 255));
  const alpha = Buffer.from(Array.from({ length: 10 }, (_, i) => i * 25));
  const rows: Buffer[] = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + Math.ceil(w / 2));
    row[0] = y % 5; // every filter, on arbitrary bytes
    for (let x = 0; x < w; x++) row[1 + (x >> 1)]! |= ((x + y) & 15) << (x & 1 ? 0 : 4);
    rows.push(row);
  }
  const head = ihdr(w, h, false, 3);
  head[8 + 8] = 4; // bit depth 4 (the IHDR's data starts after length and type)
  const fixCrc = chunk('IHDR', head.subarray(8, 21));
  const pal = Buffer.concat([
    PNG_SIGNATURE,
    fixCrc,
    chunk('PLTE', palette),
    chunk('tRNS', alpha),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    IEND,
  ]);
  await same(pal, 16);

  const rgb = PNG.sync.write(picture(40, 40, 5), { colorType: 2, inputColorType: 6, inputHasAlpha: true });
  const raw = PNG.sync.read(rgb);
  const key = Buffer.alloc(6);
  key.writeUInt16BE(raw.data[0]!, 0);
  key.writeUInt16BE(raw.data[1]!, 2);
  key.writeUInt16BE(raw.data[2]!, 4);
  const iend = rgb.length - 12;
  const withKey = Buffer.concat([rgb.subarray(0, 33), chunk('tRNS', key), rgb.subarray(33, iend), IEND]);
  await same(withKey, 8);
});

test('a damaged pixel stream is refused with a sentence, before or after its rows', async () => {
  const good = PNG.sync.write(picture(50, 40, 1));
  const img = PNG.sync.read(good);
  const raw = Buffer.concat(
    Array.from({ length: 40 }, (_, y) => Buffer.concat([Buffer.from([0]), img.data.subarray(y * 200, (y + 1) * 200)])),
  );
  const withIdat = (data: Buffer) => Buffer.concat([PNG_SIGNATURE, ihdr(50, 40, false, 6), chunk('IDAT', data), IEND]);
  for (const [what, bytes] of [
    ['rows missing', withIdat(zlib.deflateSync(raw.subarray(0, raw.length - 300)))],
    ['rows beyond the height', withIdat(zlib.deflateSync(Buffer.concat([raw, raw.subarray(0, 201)])))],
    ['an unknown row filter', withIdat(zlib.deflateSync(Buffer.concat([Buffer.from([9]), raw.subarray(1)])))],
    ['not zlib at all', withIdat(Buffer.from('this is no compressed stream'))],
  ] as const) {
    const err = await decodeAligned(bytes, 16).then(
      () => assert.fail(`${what}: accepted`),
      (e: unknown) => e as ImageInputError,
    );
    assert.ok(err instanceof ImageInputError, `${what}: ${String(err)}`);
    assert.equal(err.kind, 'NOT_AN_IMAGE', what);
    assert.match(err.message, /^the PNG file is damaged/, what);
  }
});

test('an interlaced PNG over 12 MP is refused before it is inflated', async () => {
  const bytes = Buffer.concat([
    PNG_SIGNATURE,
    ihdr(4000, 4000, true),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(10))),
    IEND,
  ]);
  await assert.rejects(decodeAligned(bytes, 64), (e: ImageInputError) => {
    assert.equal(e.kind, 'TOO_LARGE');
    assert.match(e.message, /interlaced PNG of 4000 x 4000; save it without interlacing/);
    return true;
  });
});

test('a JPEG is cropped and resized close to the whole-image decoder (libvips against jpeg-js)', async () => {
  // A photo-like picture (smooth gradients and edges; JPEG decoders differ most on pixel noise).
  const src = new PNG({ width: 300, height: 200 });
  for (let y = 0; y < 200; y++)
    for (let x = 0; x < 300; x++) {
      const i = (y * 300 + x) * 4;
      src.data[i] = x < 150 ? 40 + y : 220 - y / 2;
      src.data[i + 1] = (x * 255) / 300;
      src.data[i + 2] = Math.hypot(x - 150, y - 100) < 60 ? 30 : 200;
      src.data[i + 3] = 255;
    }
  const bytes = Buffer.from(jpegJs.encode({ data: src.data, width: 300, height: 200 }, 95).data);
  for (const crop of [undefined, { x: 20, y: 10, size: 150 }]) {
    const whole = alignImage(decodeImage(bytes), 32, crop);
    const fast = await decodeAligned(bytes, 32, crop);
    assert.deepEqual(fast.crop, whole.crop);
    const mad = fast.tensor.reduce((s, v, i) => s + Math.abs(v - whole.tensor[i]!), 0) / fast.tensor.length;
    assert.ok(mad < 0.03, `mean difference ${mad.toFixed(4)} (in [-1, 1])`);
  }
  const cut = bytes.subarray(0, bytes.length / 2);
  await assert.rejects(
    decodeAligned(cut, 32),
    (e: ImageInputError) => e.kind === 'NOT_AN_IMAGE' && /damaged/.test(e.message),
  );
});
