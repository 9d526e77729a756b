// numpy .npy read/write (float32 little-endian, C order). Header v1.0 written; v1/v2/v3 read.

export class NpyError extends Error {
  override name = 'NpyError';
}

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function readNpy(buf: Uint8Array): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new NpyError('not a .npy file (bad magic)');
  const major = buf[6];
  let headerLen: number, off: number;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    off = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new NpyError('truncated .npy header');
    headerLen = dv.getUint32(8, true);
    off = 12;
  } else {
    throw new NpyError(`unsupported .npy version ${major}.${buf[7]}`);
  }
  if (off + headerLen > buf.length) throw new NpyError('truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(off, off + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeStr === undefined)
    throw new NpyError(`malformed .npy header: ${header.trim()}`);
  if (descr !== '<f4' && descr !== '|f4' && !(descr === '=f4')) {
    throw new NpyError(`unsupported .npy dtype '${descr}': only float32 little-endian ('<f4') is accepted`);
  }
  if (fortran === 'True')
    throw new NpyError(
      'fortran_order True .npy files are not supported: save a C-ordered array (np.ascontiguousarray)',
    );
  const shape = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new NpyError(`bad .npy shape entry '${s}'`);
      return n;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const start = off + headerLen;
  if (buf.length - start < count * 4)
    throw new NpyError(`.npy data truncated: need ${count * 4} bytes, have ${buf.length - start}`);
  const data = new Float32Array(count);
  const ddv = new DataView(buf.buffer, buf.byteOffset + start, count * 4);
  for (let i = 0; i < count; i++) data[i] = ddv.getFloat32(i * 4, true);
  return { shape, data };
}

export function writeNpy(data: Float32Array, shape: number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new NpyError(`writeNpy: ${data.length} values for shape [${shape}]`);
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shp}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length + count * 4);
  MAGIC.forEach((b, i) => (out[i] = b));
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const dv = new DataView(out.buffer, out.byteOffset + 10 + header.length, count * 4);
  for (let i = 0; i < count; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

import { LatentError, assertFinite } from './latent.ts';
import type { LatentLayout } from './types.ts';

/** Rows per latent that a generator accepts besides n_latent: K * local_layers (expanded). */
export interface NpyLatents {
  batch: number;
  rows: number;
  dim: number;
  /** [batch * rows * dim] */
  data: Float32Array;
}

/**
 * Latents from a .npy: [1, D] or [D] (a w: broadcast to all n_latent rows), [n_latent, D],
 * [B, n_latent, D], or, when `expandedRows` is given, [B, expandedRows, D] / [expandedRows, D].
 */
export function latentsFromNpy(buf: Uint8Array, layout: LatentLayout, expandedRows?: number): NpyLatents {
  let arr: NpyArray;
  try {
    arr = readNpy(buf);
  } catch (e) {
    throw new LatentError((e as Error).message);
  }
  const { shape, data } = arr;
  const D = layout.dim;
  const okRows = (r: number) => r === layout.nLatent || (expandedRows !== undefined && r === expandedRows);
  const desc =
    `[1, ${D}], [${layout.nLatent}, ${D}] or [B, ${layout.nLatent}, ${D}]` +
    (expandedRows ? ` or [B, ${expandedRows}, ${D}]` : '');
  let out: NpyLatents;
  if ((shape.length === 2 && shape[0] === 1 && shape[1] === D) || (shape.length === 1 && shape[0] === D)) {
    const w = data.subarray(0, D);
    const full = new Float32Array(layout.nLatent * D);
    for (let r = 0; r < layout.nLatent; r++) full.set(w, r * D);
    out = { batch: 1, rows: layout.nLatent, dim: D, data: full };
  } else if (shape.length === 2 && okRows(shape[0]) && shape[1] === D) {
    out = { batch: 1, rows: shape[0], dim: D, data };
  } else if (shape.length === 3 && shape[0] >= 1 && okRows(shape[1]) && shape[2] === D) {
    out = { batch: shape[0], rows: shape[1], dim: D, data };
  } else {
    throw new LatentError(`latent .npy has shape [${shape.join(', ')}], expected ${desc}`);
  }
  assertFinite(out.data, 'latent .npy');
  return out;
}

/** One W+ `[n_latent * D]` from a .npy holding [1, D], [D], [n_latent, D] or [1, n_latent, D]. */
export function latentFromNpy(buf: Uint8Array, layout: LatentLayout): Float32Array {
  const l = latentsFromNpy(buf, layout);
  if (l.batch !== 1) throw new LatentError(`latent .npy holds ${l.batch} latents, expected one`);
  return l.data;
}
