// Crafted pictures: the hostile ones decodeImage must refuse cheaply, and a legal one at the pixel
// limit. Shared by the decoder's tests (test/inference/image-bombs.test.ts, test/api/
// import-image-decode.test.ts) and the picture floods of bench/abuse.ts.
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';

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

/** One PNG chunk with its length and CRC. */
export function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit IHDR chunk, RGB unless `colorType` says otherwise (6: RGBA). */
export function ihdr(w: number, h: number, interlaced = false, colorType = 2): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(w, 0);
  d.writeUInt32BE(h, 4);
  d[8] = 8; // bit depth
  d[9] = colorType;
  d[12] = interlaced ? 1 : 0; // Adam7
  return chunk('IHDR', d);
}

export const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const IEND = chunk('IEND', Buffer.alloc(0));

/** A PNG with a second header: 64 x 64, then 16000 x 16000 (a few rows of data). */
export function twoHeaderPng(): Buffer {
  const raw = zlib.deflateSync(Buffer.alloc(16000 * 8));
  return Buffer.concat([PNG_SIGNATURE, ihdr(64, 64), ihdr(16000, 16000), chunk('IDAT', raw), IEND]);
}

/** An interlaced side x side RGB PNG whose pixel data inflates to `inflatedMb` MB, far past its stated size. */
export function interlacedInflationBomb(side = 1000, inflatedMb = 128): Buffer {
  const idat = zlib.deflateSync(Buffer.alloc(inflatedMb * 2 ** 20), { level: 9 });
  return Buffer.concat([PNG_SIGNATURE, ihdr(side, side, true), chunk('IDAT', idat), IEND]);
}

/** A legal w x h RGBA PNG of grey rows (a few hundred KB for tens of megapixels). */
export function largePng(w: number, h: number): Buffer {
  const row = Buffer.alloc(1 + w * 4, 200);
  row[0] = 0; // filter: none
  const idat = zlib.deflateSync(Buffer.concat(Array.from({ length: h }, () => row)), { level: 1 });
  return Buffer.concat([PNG_SIGNATURE, ihdr(w, h, false, 6), chunk('IDAT', idat), IEND]);
}

/** A legal w x h colour JPEG of one flat colour (about 1 MB for 36 MP). */
export function largeJpeg(w: number, h: number): Buffer {
  return Buffer.from(jpeg.encode({ data: Buffer.alloc(w * h * 4, 90), width: w, height: h }, 80).data);
}

/** A small baseline JPEG from jpeg-js, split before its end-of-image marker. */
export function smallJpeg(): { body: Buffer; eoi: Buffer } {
  const file = Buffer.from(jpeg.encode({ data: Buffer.alloc(16 * 16 * 4, 128), width: 16, height: 16 }, 90).data);
  return { body: file.subarray(0, -2), eoi: file.subarray(-2) };
}

/** An empty progressive DC scan: a scan header (one component, tables 0/0, Ss = Se = 0) and no data. */
export const EMPTY_SCAN = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00]);

/** A progressive JPEG with `scans` empty scans (each would walk the whole frame again). */
export function manyScansJpeg(scans = 2000): Buffer {
  const { body, eoi } = smallJpeg();
  body.writeUInt16BE(0xffc2, body.indexOf(Buffer.from([0xff, 0xc0]))); // progressive
  return Buffer.concat([body, ...Array.from({ length: scans }, () => EMPTY_SCAN), eoi]);
}

/** A 16 x 16 JPEG whose frame header claims w x h. */
export function jpegClaiming(w: number, h: number): Buffer {
  const { body, eoi } = smallJpeg();
  const file = Buffer.concat([body, eoi]);
  const sof = file.indexOf(Buffer.from([0xff, 0xc0]));
  file.writeUInt16BE(h, sof + 5);
  file.writeUInt16BE(w, sof + 7);
  return file;
}
