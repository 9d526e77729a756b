// A designer's image (PNG or JPEG bytes) made into the encoder's input: decoded with limits,
// cropped to a square (the centre square unless the caller gives one) and resized to the model's
// side by area averaging, alpha over white (the training images' background is opaque).
//
// "Aligned" here means framed the way the training images are: the model has no landmark
// detector, so the crop is the caller's (or the centre square); a face framed like the dataset's
// (head and shoulders filling the square) inverts best.
import zlib from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { encodeRgb } from './png.ts';
import { PngStreamError, readPngRows } from './png-stream.ts';

/** Refuse larger files before decoding them. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Refuse images with more pixels than this (a 6000 x 4000 photo is 24 MP). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type ImageErrorKind =
  | 'NOT_AN_IMAGE'
  | 'UNSUPPORTED_FORMAT'
  | 'TOO_LARGE'
  | 'BAD_CROP'
  /** ImageDecoder: every worker busy and the queue full. */
  | 'BUSY'
  /** ImageDecoder: the decode ran past its time limit. */
  | 'TIMEOUT';

export class ImageInputError extends Error {
  override name = 'ImageInputError';
  constructor(
    readonly kind: ImageErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface DecodedImage {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** RGBA, 8 bit, row-major. */
  rgba: Uint8Array;
}

export interface Crop {
  x: number;
  y: number;
  size: number;
}

export interface AlignedImage {
  side: number;
  crop: Crop;
  /** [3, side, side] in [-1, 1]: the generator's and encoder's image range. */
  tensor: Float32Array;
  /** The same pixels as an RGB PNG. */
  png: Buffer;
}

function formatOf(bytes: Uint8Array): 'png' | 'jpeg' | 'other' | 'none' {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  // GIF, WebP, BMP, TIFF, HEIC: images, but not formats this reader decodes.
  const head = Buffer.from(bytes.subarray(0, 12)).toString('latin1');
  if (/^GIF8|^RIFF....WEBP|^BM|^II\*\0|^MM\0\*|^....ftyp(heic|heif|avif)/s.test(head)) return 'other';
  return 'none';
}

/**
 * Progressive scans a JPEG may have. libjpeg's progressive script writes 10 for a colour image (6
 * for grey) and mozjpeg's optimised scripts stay under 20; every scan walks the whole frame again,
 * so a file of thousands of empty scans costs seconds while saying nothing. 64 leaves room for
 * any encoder's script and bounds the walk.
 */
export const MAX_JPEG_SCANS = 64;
/** A PNG's raw pixel data (what its IDAT inflates to): 8-bit RGBA at the pixel limit, plus row filter bytes. */
const MAX_PNG_RAW_BYTES = MAX_IMAGE_PIXELS * 4;

/** Decodes PNG or JPEG bytes, refusing what it cannot read and what is too large. */
export function decodeImage(bytes: Uint8Array): DecodedImage {
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new ImageInputError('TOO_LARGE', `the image is ${bytes.length} bytes; the limit is ${MAX_IMAGE_BYTES}`);
  }
  const format = formatOf(bytes);
  if (format === 'other') {
    throw new ImageInputError('UNSUPPORTED_FORMAT', 'only PNG and JPEG images can be imported (convert it first)');
  }
  if (format === 'none') throw new ImageInputError('NOT_AN_IMAGE', 'the data is not a PNG or JPEG image');
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'png') {
      // The header gives the size before the pixels are inflated.
      const header = checkPngChunks(view);
      checkPixels(header.width, header.height);
      checkPngInflation(view, header);
      const png = PNG.sync.read(view);
      // What was decoded must be what the header claimed (and what was checked).
      if (png.width !== header.width || png.height !== header.height) {
        throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: its pixels do not match its stated size');
      }
      return { format, width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
    }
    // The frame header and the scans are counted before jpeg-js allocates or decodes anything.
    const frame = checkJpegMarkers(view);
    checkPixels(frame.width, frame.height);
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // Our own check above is the pixel limit; these only keep jpeg-js's from refusing first.
      maxResolutionInMP: Math.ceil(MAX_IMAGE_PIXELS / 1e6) + 1,
      maxMemoryUsageInMB: jpegMemoryMb(frame),
    });
    if (img.width !== frame.width || img.height !== frame.height) {
      throw new ImageInputError('NOT_AN_IMAGE', 'the JPEG file is damaged: its pixels do not match its stated size');
    }
    return { format, width: img.width, height: img.height, rgba: img.data };
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    // The decoder's own message names its internals, which tell a designer nothing.
    throw new ImageInputError(
      'NOT_AN_IMAGE',
      `the ${format.toUpperCase()} file is damaged or uses a variant that cannot be read; export it again as a plain ${format.toUpperCase()}`,
    );
  }
}

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** The IDAT chunks' data, concatenated: the zlib stream of the pixels. */
  idat: Buffer[];
  palette?: Buffer;
  transparency?: Buffer;
}

/**
 * Walks a PNG's chunk list before anything is inflated: exactly one IHDR, first, and every chunk
 * inside the file. A second IHDR is how a small file claims a huge image after the size check.
 */
function checkPngChunks(view: Buffer): PngHeader {
  let offset = 8;
  let header: PngHeader | undefined;
  while (offset + 8 <= view.length) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    if (!header && type !== 'IHDR')
      throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: it does not start with its header');
    if (offset + 12 + length > view.length) break;
    const data = view.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      if (header) throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: it has more than one header');
      if (length < 13) throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: its header is cut short');
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        bitDepth: data[8]!,
        colorType: data[9]!,
        interlaced: data[12] === 1,
        idat: [],
      };
    } else if (type === 'IDAT') header!.idat.push(data);
    else if (type === 'PLTE') header!.palette = data;
    else if (type === 'tRNS') header!.transparency = data;
    offset += 12 + length;
    if (type === 'IEND') return header!;
  }
  throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is cut short');
}

/** Channels per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7's seven passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Bytes the header says the pixels inflate to: each row (of each interlace pass) plus its filter byte. */
export function pngRawBytes(h: Pick<PngHeader, 'width' | 'height' | 'bitDepth' | 'colorType' | 'interlaced'>): number {
  const channels = PNG_CHANNELS[h.colorType];
  if (!channels || ![1, 2, 4, 8, 16].includes(h.bitDepth)) {
    throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: its header names no valid pixel format');
  }
  const rowBytes = (w: number) => Math.ceil((w * channels * h.bitDepth) / 8) + 1;
  if (!h.interlaced) return h.height * rowBytes(h.width);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((h.width - x0) / dx);
    const rows = Math.ceil((h.height - y0) / dy);
    if (w > 0 && rows > 0) total += rows * rowBytes(w);
  }
  return total;
}

/**
 * Inflates the pixel stream with its output capped at what the header declares, so a small file
 * whose IDAT inflates to gigabytes (pngjs does not cap interlaced images) stops at the declared
 * size. The output is dropped: pngjs inflates again, now known to be bounded.
 */
function checkPngInflation(view: Buffer, header: PngHeader): void {
  const declared = pngRawBytes(header);
  if (declared > MAX_PNG_RAW_BYTES + header.height) {
    throw new ImageInputError(
      'TOO_LARGE',
      `the image is ${header.width} x ${header.height} at ${header.bitDepth} bits per channel; export it at 8 bits per channel or smaller`,
    );
  }
  try {
    zlib.inflateSync(Buffer.concat(header.idat), { maxOutputLength: declared });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ImageInputError(
        'NOT_AN_IMAGE',
        'the PNG file is damaged: its pixel data is larger than its stated size',
      );
    }
    throw err;
  }
}

interface JpegFrame {
  width: number;
  height: number;
  components: number;
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Walks a JPEG's markers: its frame header (the real size) and the number of scans, without decoding. */
function checkJpegMarkers(view: Buffer): JpegFrame {
  const cut = () => new ImageInputError('NOT_AN_IMAGE', 'the JPEG file is cut short');
  let frame: JpegFrame | undefined;
  let scans = 0;
  let i = 2;
  while (i < view.length) {
    // Stray bytes between segments are skipped, as libjpeg does (with a warning).
    while (i < view.length && view[i] !== 0xff) i++;
    if (i >= view.length) break;
    while (view[i] === 0xff) i++; // fill bytes
    const marker = view[i++];
    if (marker === undefined) throw cut();
    if (marker === 0xd9) break; // end of image
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (i + 2 > view.length) throw cut();
    const length = view.readUInt16BE(i);
    if (length < 2 || i + length > view.length) throw cut();
    if (isSof(marker)) {
      if (frame) throw new ImageInputError('NOT_AN_IMAGE', 'the JPEG file is damaged: it has more than one frame');
      if (length < 8) throw cut();
      frame = { height: view.readUInt16BE(i + 3), width: view.readUInt16BE(i + 5), components: view[i + 7]! };
    }
    i += length;
    if (marker === 0xda) {
      if (++scans > MAX_JPEG_SCANS) {
        throw new ImageInputError(
          'NOT_AN_IMAGE',
          `the JPEG file has more than ${MAX_JPEG_SCANS} progressive scans, more than any camera or editor writes; export it again as a plain JPEG`,
        );
      }
      // The entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      while (i < view.length) {
        if (view[i] === 0xff) {
          const next = view[i + 1];
          if (next !== undefined && next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) break;
        }
        i++;
      }
    }
  }
  if (!frame) throw new ImageInputError('NOT_AN_IMAGE', 'the JPEG file is damaged: it has no frame header');
  if (scans === 0) throw new ImageInputError('NOT_AN_IMAGE', 'the JPEG file has no picture data');
  return frame;
}

/**
 * What jpeg-js counts against maxMemoryUsageInMB for a frame within the pixel limit: 4 bytes a
 * coefficient per component (its 8 x 8 blocks, padded to whole MCUs), a byte a sample per
 * component for the output lines and again for the colour conversion, and the RGBA result. Its default of 512 MB refused 36 MP colour
 * photos that the pixel limit allows.
 */
function jpegMemoryMb(f: JpegFrame): number {
  const padded = (Math.ceil(f.width / 32) * 32 + 32) * (Math.ceil(f.height / 32) * 32 + 32);
  const components = Math.max(1, f.components);
  const bytes = padded * components * 5 + f.width * f.height * (components + 4);
  return Math.ceil(bytes / 2 ** 20) + 16;
}

function checkPixels(w: number, h: number): void {
  if (!(w > 0 && h > 0)) throw new ImageInputError('NOT_AN_IMAGE', 'the image has no pixels');
  if (w * h > MAX_IMAGE_PIXELS) {
    throw new ImageInputError('TOO_LARGE', `the image is ${w} x ${h}; the limit is ${MAX_IMAGE_PIXELS} pixels`);
  }
}

/** The centre square, or `crop` checked against the image. */
export function squareCrop(img: Pick<DecodedImage, 'width' | 'height'>, side: number, crop?: Crop | null): Crop {
  const minSide = Math.max(8, Math.ceil(side / 4));
  if (!crop) {
    const size = Math.min(img.width, img.height);
    if (size < minSide) {
      throw new ImageInputError(
        'BAD_CROP',
        `the image is ${img.width} x ${img.height}; it needs at least ${minSide} px on each side`,
      );
    }
    return { x: Math.floor((img.width - size) / 2), y: Math.floor((img.height - size) / 2), size };
  }
  const { x, y, size } = crop;
  if (![x, y, size].every(Number.isInteger) || x < 0 || y < 0 || size < minSide) {
    throw new ImageInputError('BAD_CROP', `crop must be whole pixels with x, y >= 0 and size >= ${minSide}`);
  }
  if (x + size > img.width || y + size > img.height) {
    throw new ImageInputError(
      'BAD_CROP',
      `crop ${size} px at (${x}, ${y}) leaves the ${img.width} x ${img.height} image`,
    );
  }
  return { x, y, size };
}

/** Crops and resizes (area average; bilinear when enlarging) to side x side, alpha over white. */
export function alignImage(img: DecodedImage, side: number, crop?: Crop | null): AlignedImage {
  const c = squareCrop(img, side, crop);
  const rgb = new Uint8Array(side * side * 3);
  const scale = c.size / side;
  const pixel = (px: number, py: number, ch: number) => {
    const i = (py * img.width + px) * 4;
    const a = img.rgba[i + 3]! / 255;
    return img.rgba[i + ch]! * a + 255 * (1 - a);
  };
  for (let oy = 0; oy < side; oy++) {
    for (let ox = 0; ox < side; ox++) {
      for (let ch = 0; ch < 3; ch++) {
        let v: number;
        if (scale >= 1) {
          // Box filter over the source pixels this output pixel covers.
          const x0 = c.x + Math.floor(ox * scale),
            x1 = c.x + Math.max(Math.floor((ox + 1) * scale), Math.floor(ox * scale) + 1);
          const y0 = c.y + Math.floor(oy * scale),
            y1 = c.y + Math.max(Math.floor((oy + 1) * scale), Math.floor(oy * scale) + 1);
          let sum = 0;
          for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) sum += pixel(px, py, ch);
          v = sum / ((x1 - x0) * (y1 - y0));
        } else {
          const sx = Math.min(c.size - 1, Math.max(0, (ox + 0.5) * scale - 0.5));
          const sy = Math.min(c.size - 1, Math.max(0, (oy + 0.5) * scale - 0.5));
          const xa = Math.floor(sx),
            ya = Math.floor(sy);
          const xb = Math.min(c.size - 1, xa + 1),
            yb = Math.min(c.size - 1, ya + 1);
          const fx = sx - xa,
            fy = sy - ya;
          const at = (px: number, py: number) => pixel(c.x + px, c.y + py, ch);
          v = (at(xa, ya) * (1 - fx) + at(xb, ya) * fx) * (1 - fy) + (at(xa, yb) * (1 - fx) + at(xb, yb) * fx) * fy;
        }
        rgb[(oy * side + ox) * 3 + ch] = Math.round(v);
      }
    }
  }
  return finishAligned(rgb, side, c);
}

function finishAligned(rgb: Uint8Array, side: number, crop: Crop): AlignedImage {
  const tensor = new Float32Array(3 * side * side);
  const P = side * side;
  for (let p = 0; p < P; p++) for (let ch = 0; ch < 3; ch++) tensor[ch * P + p] = rgb[p * 3 + ch]! / 127.5 - 1;
  return { side, crop, tensor, png: encodeRgb(side, side, rgb) };
}

/** Interlaced PNGs are decoded whole (their rows arrive in seven passes); above this they are refused. */
export const MAX_INTERLACED_PNG_PIXELS = 12_000_000;

/**
 * decodeImage and alignImage in one, holding as little of the picture as it can: a non-interlaced
 * PNG is read a row at a time (png-stream.ts) and each row goes straight into the output pixels it
 * covers, so a 40 MP PNG costs a few MB instead of ~600. What ImageDecoder's workers run.
 */
export async function decodeAligned(
  bytes: Uint8Array,
  side: number,
  crop?: Crop | null,
): Promise<AlignedImage & { format: 'png' | 'jpeg'; width: number; height: number }> {
  // What is over the size limit or not a PNG or JPEG, and an interlaced PNG, end in decodeImage below.
  const format = bytes.length <= MAX_IMAGE_BYTES ? formatOf(bytes) : 'none';
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'png') {
    const header = checkPngChunks(view);
    checkPixels(header.width, header.height);
    pngRawBytes(header); // a valid pixel format
    if (!header.interlaced) {
      const c = squareCrop(header, side, crop);
      try {
        return { format: 'png', width: header.width, height: header.height, ...(await alignPngRows(header, side, c)) };
      } catch (err) {
        if (err instanceof ImageInputError) throw err;
        const why = err instanceof PngStreamError ? `: ${err.message}` : '';
        throw new ImageInputError('NOT_AN_IMAGE', `the PNG file is damaged${why}; export it again as a plain PNG`);
      }
    }
    if (header.width * header.height > MAX_INTERLACED_PNG_PIXELS) {
      throw new ImageInputError(
        'TOO_LARGE',
        `the image is an interlaced PNG of ${header.width} x ${header.height}; save it without interlacing, or at most ${MAX_INTERLACED_PNG_PIXELS / 1e6} megapixels`,
      );
    }
  }
  if (format === 'jpeg') {
    const frame = checkJpegMarkers(view);
    checkPixels(frame.width, frame.height);
    const c = squareCrop(frame, side, crop);
    return { format: 'jpeg', width: frame.width, height: frame.height, ...(await alignJpeg(view, side, c)) };
  }
  const decoded = decodeImage(bytes);
  return { format: decoded.format, width: decoded.width, height: decoded.height, ...alignImage(decoded, side, crop) };
}

/**
 * A JPEG cropped and resized by libvips (sharp), which decodes in strips and shrinks while it
 * decodes: a 36 MP JPEG costs ~10 MB and under a second, where jpeg-js holds ~1 GB for twenty.
 * The markers were checked first (scans, size), so sharp sees only what passed our limits.
 */
async function alignJpeg(view: Buffer, side: number, c: Crop): Promise<AlignedImage> {
  let rgb: Buffer;
  try {
    const out = await sharp(view, { limitInputPixels: MAX_IMAGE_PIXELS, sequentialRead: true, failOn: 'error' })
      .extract({ left: c.x, top: c.y, width: c.size, height: c.size })
      .resize(side, side)
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (out.info.width !== side || out.info.height !== side || out.info.channels !== 3)
      throw new Error('unexpected output');
    rgb = out.data;
  } catch {
    // libvips's own message names its internals, which tell a designer nothing.
    throw new ImageInputError(
      'NOT_AN_IMAGE',
      'the JPEG file is damaged or uses a variant that cannot be read; export it again as a plain JPEG',
    );
  }
  return finishAligned(new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), side, c);
}

/** alignImage's arithmetic over rows as they arrive: the same pixels, without the whole picture. */
async function alignPngRows(header: PngHeader, side: number, c: Crop): Promise<AlignedImage> {
  const scale = c.size / side;
  if (scale < 1) {
    // Enlarging: the crop is smaller than the output; keep it and align it whole.
    const rgba = new Uint8Array(c.size * c.size * 4);
    await readPngRows(header, (y, row) => {
      if (y >= c.y && y < c.y + c.size) rgba.set(row.subarray(c.x * 4, (c.x + c.size) * 4), (y - c.y) * c.size * 4);
    });
    const aligned = alignImage({ format: 'png', width: c.size, height: c.size, rgba }, side, null);
    return { ...aligned, crop: c };
  }
  // Each crop column and row belongs to exactly one output pixel's box (alignImage's boxes tile the crop).
  const lo = (o: number) => Math.floor(o * scale);
  const hi = (o: number) => Math.max(Math.floor((o + 1) * scale), lo(o) + 1);
  const owner = new Int32Array(c.size).fill(-1);
  for (let o = 0; o < side; o++) for (let i = lo(o); i < hi(o); i++) owner[i] = o;
  const sums = new Float64Array(side * side * 3);
  await readPngRows(header, (y, row) => {
    const oy = y >= c.y && y < c.y + c.size ? owner[y - c.y]! : -1;
    if (oy < 0) return;
    for (let rx = 0; rx < c.size; rx++) {
      const ox = owner[rx]!;
      if (ox < 0) continue;
      const i = (c.x + rx) * 4;
      const a = row[i + 3]! / 255;
      const o = (oy * side + ox) * 3;
      for (let ch = 0; ch < 3; ch++) sums[o + ch] += row[i + ch]! * a + 255 * (1 - a);
    }
  });
  const rgb = new Uint8Array(side * side * 3);
  for (let oy = 0; oy < side; oy++)
    for (let ox = 0; ox < side; ox++) {
      const n = (hi(ox) - lo(ox)) * (hi(oy) - lo(oy));
      for (let ch = 0; ch < 3; ch++) rgb[(oy * side + ox) * 3 + ch] = Math.round(sums[(oy * side + ox) * 3 + ch]! / n);
    }
  return finishAligned(rgb, side, c);
}

/** An RGB PNG's pixels as [3, side, side] in [-1, 1] (the stored aligned image, read back by the worker). */
export function pngToTensor(png: Buffer): { side: number; tensor: Float32Array } {
  const img = PNG.sync.read(png);
  if (img.width !== img.height) throw new Error(`aligned image is ${img.width} x ${img.height}, not square`);
  const P = img.width * img.height;
  const tensor = new Float32Array(3 * P);
  for (let p = 0; p < P; p++) for (let ch = 0; ch < 3; ch++) tensor[ch * P + p] = img.data[p * 4 + ch]! / 127.5 - 1;
  return { side: img.width, tensor };
}
