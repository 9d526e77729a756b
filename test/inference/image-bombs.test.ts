// Hostile pictures refused by decodeImage before they cost memory or time, with a sentence a
// designer understands (never a decoder's internals). The files are crafted here.
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { decodeImage, ImageInputError } from '../../src/inference/image-input.ts';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
function ihdr(w: number, h: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(w, 0);
  d.writeUInt32BE(h, 4);
  d[8] = 8; // bit depth
  d[9] = 2; // RGB
  return chunk('IHDR', d);
}
const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

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
  const raw = zlib.deflateSync(Buffer.alloc(16000 * 8)); // a few rows' worth: the header is what lies
  const file = Buffer.concat([
    SIGNATURE,
    ihdr(64, 64),
    ihdr(16000, 16000),
    chunk('IDAT', raw),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  const started = process.memoryUsage().rss;
  const err = refused(file);
  assert.equal(err.kind, 'NOT_AN_IMAGE');
  assert.match(err.message, /more than one header/);
  assert.ok(process.memoryUsage().rss - started < 200 * 2 ** 20, 'decoding allocated for the claimed size');
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
