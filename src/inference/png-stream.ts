// A non-interlaced PNG read a row at a time: its pixel stream is inflated in 64 KB pieces and each
// row, unfiltered against the one before, is handed on as 8-bit RGBA and dropped. A 40 MP picture
// then costs two rows of memory instead of the ~600 MB a whole-image decoder holds at its peak
// (the inflated stream, the unfiltered pixels and the RGBA copy), and the stream can never inflate
// past what the header declares. The pixels are those pngjs gives (its sample scaling, palette and
// tRNS rules), so either reader yields the same picture.
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface PngRowsHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** The IDAT chunks' data: the zlib stream of the pixels. */
  idat: Buffer[];
  /** PLTE's RGB triples (colour type 3). */
  palette?: Buffer;
  /** tRNS's data: alpha per palette entry, or the one transparent grey / RGB sample. */
  transparency?: Buffer;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The stream is damaged: it inflates to more or fewer bytes than the header declares, or a row's filter is unknown. */
export class PngStreamError extends Error {
  override name = 'PngStreamError';
}

/**
 * Calls `onRow(y, rgba)` for every row, top to bottom; `rgba` (width * 4 bytes) is reused for the
 * next row, so the callback must copy what it keeps.
 */
export async function readPngRows(h: PngRowsHeader, onRow: (y: number, rgba: Uint8Array) => void): Promise<void> {
  const channels = CHANNELS[h.colorType]!;
  const rowBytes = Math.ceil((h.width * channels * h.bitDepth) / 8);
  // Bytes per complete pixel, the distance a filter looks back (at least one).
  const bpp = Math.max(1, (channels * h.bitDepth) >> 3);
  let prev = new Uint8Array(rowBytes);
  let cur = new Uint8Array(rowBytes);
  const rgba = new Uint8Array(h.width * 4);
  const toRgba = rowConverter(h, channels);
  let filter = -1;
  let filled = 0;
  let y = 0;

  const inflate = zlib.createInflate({ chunkSize: 1 << 16 });
  Readable.from(h.idat).pipe(inflate);
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length;) {
        if (y === h.height) throw new PngStreamError('the pixel data is larger than the stated size');
        if (filter < 0) {
          filter = chunk[i++]!;
          if (filter > 4) throw new PngStreamError(`row ${y} has an unknown filter ${filter}`);
          continue;
        }
        const n = Math.min(rowBytes - filled, chunk.length - i);
        cur.set(chunk.subarray(i, i + n), filled);
        filled += n;
        i += n;
        if (filled < rowBytes) continue;
        unfilter(filter, cur, prev, bpp);
        toRgba(cur, rgba);
        onRow(y, rgba);
        [prev, cur] = [cur, prev];
        filter = -1;
        filled = 0;
        y++;
      }
    }
  } finally {
    inflate.destroy();
  }
  if (y !== h.height) throw new PngStreamError(`the pixel data ends after ${y} of ${h.height} rows`);
}

/** PNG's five row filters, undone in place (`prev` is the row above, already unfiltered). */
function unfilter(type: number, row: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = row.length;
  switch (type) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i]! + row[i - bpp]!) & 255;
      return;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + prev[i]!) & 255;
      return;
    case 3:
      for (let i = 0; i < n; i++) row[i] = (row[i]! + (((i >= bpp ? row[i - bpp]! : 0) + prev[i]!) >> 1)) & 255;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp]! : 0,
          b = prev[i]!,
          c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c,
          pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        row[i] = (row[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      return;
  }
}

/** One unfiltered row's samples -> 8-bit RGBA, the way pngjs normalises them. */
function rowConverter(h: PngRowsHeader, channels: number): (row: Uint8Array, out: Uint8Array) => void {
  const depth = h.bitDepth;
  const max = 2 ** depth - 1;
  const sample = (row: Uint8Array, k: number): number => {
    if (depth === 8) return row[k]!;
    if (depth === 16) return (row[2 * k]! << 8) | row[2 * k + 1]!;
    const bit = k * depth;
    return (row[bit >> 3]! >> (8 - depth - (bit & 7))) & max;
  };
  const scale = (v: number) => (depth === 8 ? v : Math.floor((v * 255) / max + 0.5));
  const t = h.transparency;
  const W = h.width;
  if (h.colorType === 3) {
    const pal = h.palette ?? Buffer.alloc(0);
    return (row, out) => {
      for (let x = 0; x < W; x++) {
        const i = sample(row, x);
        if (3 * i + 2 >= pal.length) throw new PngStreamError(`palette index ${i} is outside the palette`);
        out.set([pal[3 * i]!, pal[3 * i + 1]!, pal[3 * i + 2]!, t && i < t.length ? t[i]! : 255], x * 4);
      }
    };
  }
  // The one transparent sample of a grey or RGB image (tRNS), at the image's own depth.
  const key = t && (h.colorType === 0 || h.colorType === 2) ? readKey(t, h.colorType === 0 ? 1 : 3) : undefined;
  if (depth === 8 && !key) {
    // The common pictures, without a call per sample.
    if (channels === 4) return (row, out) => out.set(row);
    return (row, out) => {
      for (let x = 0, i = 0, o = 0; x < W; x++, i += channels, o += 4) {
        const v = row[i]!;
        out[o] = v;
        out[o + 1] = channels === 3 ? row[i + 1]! : v;
        out[o + 2] = channels === 3 ? row[i + 2]! : v;
        out[o + 3] = channels === 2 ? row[i + 1]! : 255;
      }
    };
  }
  return (row, out) => {
    for (let x = 0; x < W; x++) {
      const s = (c: number) => sample(row, x * channels + c);
      let r: number, g: number, b: number, a: number;
      if (channels <= 2) {
        r = g = b = s(0);
        a = channels === 2 ? s(1) : max;
      } else {
        r = s(0);
        g = s(1);
        b = s(2);
        a = channels === 4 ? s(3) : max;
      }
      if (key && r === key[0] && (key.length === 1 || (g === key[1] && b === key[2]))) r = g = b = a = 0;
      const o = x * 4;
      out[o] = scale(r);
      out[o + 1] = scale(g);
      out[o + 2] = scale(b);
      out[o + 3] = scale(a);
    }
  };
}

function readKey(t: Buffer, n: number): number[] | undefined {
  if (t.length < 2 * n) return undefined;
  return Array.from({ length: n }, (_, i) => t.readUInt16BE(2 * i));
}
