// PNG encoding of generator outputs (pngjs).
import { PNG } from 'pngjs';

export function encodeRgb(width: number, height: number, rgb: Uint8Array): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

export function encodeGray(width: number, height: number, g: Uint8Array): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(g.buffer, g.byteOffset, g.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Image [3,H,W] (one sample) to 8-bit RGB: clamp(x,-1,1)*127.5+127.5. */
export function imageToRgb(img: Float32Array, offset: number, H: number, W: number): Uint8Array {
  const out = new Uint8Array(H * W * 3);
  const P = H * W;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < P; p++) {
      const v = Math.min(1, Math.max(-1, img[offset + c * P + p]));
      out[p * 3 + c] = Math.round(v * 127.5 + 127.5);
    }
  }
  return out;
}

/** Argmax over K of logits [K,H,W] (one sample). */
export function argmaxClasses(seg: Float32Array, offset: number, K: number, P: number): Uint8Array {
  const out = new Uint8Array(P);
  for (let p = 0; p < P; p++) {
    let best = 0,
      bv = seg[offset + p];
    for (let k = 1; k < K; k++) {
      const v = seg[offset + k * P + p];
      if (v > bv) {
        bv = v;
        best = k;
      }
    }
    out[p] = best;
  }
  return out;
}

export function colourise(classes: Uint8Array, colours: Array<[number, number, number]>): Uint8Array {
  const out = new Uint8Array(classes.length * 3);
  for (let p = 0; p < classes.length; p++) {
    const c = colours[classes[p]];
    out[p * 3] = c[0];
    out[p * 3 + 1] = c[1];
    out[p * 3 + 2] = c[2];
  }
  return out;
}

/** Per-map min-max normalisation to 0..255 (a constant map becomes 0). */
export function normaliseGray(a: Float32Array, offset: number, n: number): Uint8Array {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = a[offset + i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Uint8Array(n);
  if (!(hi > lo)) return out;
  const s = 255 / (hi - lo);
  for (let i = 0; i < n; i++) out[i] = Math.round((a[offset + i] - lo) * s);
  return out;
}
