// A designer's image (PNG or JPEG bytes) made into the encoder's input: decoded with limits,
// cropped to a square (the centre square unless the caller gives one) and resized to the model's
// side by area averaging, alpha over white (the training images' background is opaque).
//
// "Aligned" here means framed the way the training images are: the model has no landmark
// detector, so the crop is the caller's (or the centre square); a face framed like the dataset's
// (head and shoulders filling the square) inverts best.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { encodeRgb } from './png.ts';

/** Refuse larger files before decoding them. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
/** Refuse images with more pixels than this (a 6000 x 4000 photo is 24 MP). */
export const MAX_IMAGE_PIXELS = 40_000_000;

export type ImageErrorKind = 'NOT_AN_IMAGE' | 'UNSUPPORTED_FORMAT' | 'TOO_LARGE' | 'BAD_CROP';

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
  try {
    if (format === 'png') {
      // The header gives the size before the pixels are inflated.
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const w = view.length >= 24 ? view.readUInt32BE(16) : 0;
      const h = view.length >= 24 ? view.readUInt32BE(20) : 0;
      checkPngChunks(view);
      checkPixels(w, h);
      const png = PNG.sync.read(view);
      // What was decoded must be what the header claimed (and what was checked).
      if (png.width !== w || png.height !== h) {
        throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: its pixels do not match its stated size');
      }
      return { format, width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
    }
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 512,
    });
    checkPixels(img.width, img.height);
    return { format, width: img.width, height: img.height, rgba: img.data };
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    const msg = (err as Error).message ?? String(err);
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(msg)) {
      throw new ImageInputError('TOO_LARGE', `the image has more than ${MAX_IMAGE_PIXELS} pixels`);
    }
    // The decoder's own message names its internals, which tell a designer nothing.
    throw new ImageInputError(
      'NOT_AN_IMAGE',
      `the ${format.toUpperCase()} file is damaged or uses a variant that cannot be read; export it again as a plain ${format.toUpperCase()}`,
    );
  }
}

/**
 * Walks a PNG's chunk list before anything is inflated: exactly one IHDR, first, and every chunk
 * inside the file. A second IHDR is how a small file claims a huge image after the size check.
 */
function checkPngChunks(view: Buffer): void {
  let offset = 8;
  let headers = 0;
  let first = true;
  while (offset + 8 <= view.length) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    if (first && type !== 'IHDR')
      throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: it does not start with its header');
    first = false;
    if (type === 'IHDR' && ++headers > 1) {
      throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is damaged: it has more than one header');
    }
    offset += 12 + length;
    if (type === 'IEND') return;
  }
  if (offset > view.length) throw new ImageInputError('NOT_AN_IMAGE', 'the PNG file is cut short');
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
  const tensor = new Float32Array(3 * side * side);
  const P = side * side;
  for (let p = 0; p < P; p++) for (let ch = 0; ch < 3; ch++) tensor[ch * P + p] = rgb[p * 3 + ch]! / 127.5 - 1;
  return { side, crop: c, tensor, png: encodeRgb(side, side, rgb) };
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
