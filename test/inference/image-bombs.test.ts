// Hostile pictures refused by decodeImage before they cost memory or time, with a sentence a
// designer understands (never a decoder's internals). The files are crafted here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { decodeImage, ImageInputError, MAX_JPEG_SCANS } from '../../src/inference/image-input.ts';
import {
  EMPTY_SCAN,
  interlacedInflationBomb,
  jpegClaiming,
  manyScansJpeg,
  smallJpeg,
  twoHeaderPng,
} from '../helpers/image-bombs.ts';

function refused(bytes: Buffer): ImageInputError {
  try {
    decodeImage(bytes);
  } catch (err) {
    assert.ok(err instanceof ImageInputError, `not an ImageInputError: ${String(err)}`);
    return err;
  }
  assert.fail('the picture was accepted');
}

test('a PNG with a second header (64 x 64, then 16000 x 16000) is refused before inflating', () => {
  const file = twoHeaderPng();
  const started = process.memoryUsage().rss;
  const err = refused(file);
  assert.equal(err.kind, 'NOT_AN_IMAGE');
  assert.match(err.message, /more than one header/);
  assert.ok(process.memoryUsage().rss - started < 200 * 2 ** 20, 'decoding allocated for the claimed size');
});

test('an interlaced PNG whose pixel data inflates far past its stated size is refused without inflating it all', () => {
  // 1000 x 1000 RGB declares about 3 MB of raw rows; the stream inflates to 128 MB (a 128 KB file).
  // pngjs caps the inflation of plain PNGs but not of interlaced ones.
  const file = interlacedInflationBomb(1000, 128);
  const started = process.memoryUsage().rss;
  const err = refused(file);
  assert.equal(err.kind, 'NOT_AN_IMAGE');
  assert.match(err.message, /larger than its stated size/);
  assert.ok(process.memoryUsage().rss - started < 64 * 2 ** 20, 'the stream was inflated past its stated size');
});

test('a JPEG with 2,000 empty scans is refused before decoding, the scans counted from its markers', () => {
  const file = manyScansJpeg(2000);
  const began = performance.now();
  const err = refused(file);
  assert.equal(err.kind, 'NOT_AN_IMAGE');
  assert.match(err.message, new RegExp(`more than ${MAX_JPEG_SCANS} progressive scans`));
  assert.ok(performance.now() - began < 1000, 'the scans were decoded before being counted');
  // A handful of extra scans is within the cap and reaches the decoder.
  const { body, eoi } = smallJpeg();
  body.writeUInt16BE(0xffc2, body.indexOf(Buffer.from([0xff, 0xc0])));
  const few = Buffer.concat([body, EMPTY_SCAN, EMPTY_SCAN, eoi]);
  try {
    decodeImage(few);
  } catch (e) {
    assert.doesNotMatch((e as Error).message, /progressive scans/);
  }
});

test("a JPEG's pixel limit is read from its frame header: 8000 x 6000 is refused as too many pixels", () => {
  const file = jpegClaiming(8000, 6000);
  const err = refused(file);
  assert.equal(err.kind, 'TOO_LARGE');
  assert.match(err.message, /8000 x 6000; the limit is 40000000 pixels/);
});

test('a damaged PNG or JPEG is refused with a sentence, not the decoder internals', () => {
  const png = new PNG({ width: 8, height: 8 });
  const good = PNG.sync.write(png);
  const cut = good.subarray(0, good.length - 20);
  const e1 = refused(Buffer.concat([cut, Buffer.alloc(3)]));
  assert.equal(e1.kind, 'NOT_AN_IMAGE');
  // A JPEG start marker followed by garbage: jpeg-js fails inside its Huffman tables.
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x05, 0x10, 0x01]), Buffer.alloc(64, 0xab)]);
  const e2 = refused(jpeg);
  assert.equal(e2.kind, 'NOT_AN_IMAGE');
  for (const e of [e1, e2]) {
    assert.doesNotMatch(e.message, /undefined|huffman|Cannot set|TypeError|propert/, e.message);
    assert.match(e.message, /damaged|cut short|cannot be read/);
  }
});

test('an ordinary PNG still decodes to its own size', () => {
  const png = new PNG({ width: 5, height: 3 });
  png.data.fill(200);
  const img = decodeImage(PNG.sync.write(png));
  assert.equal(img.width, 5);
  assert.equal(img.height, 3);
});
