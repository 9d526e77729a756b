// Rasterises one sample: the picture over its background, and the per-pixel class labels.
import { Resvg } from '@resvg/resvg-js';
import { drawFace } from './face-svg.ts';

export interface RenderedSample {
  size: number;
  /** RGB, row-major, size*size*3. */
  rgb: Uint8Array;
  /** Class index per pixel, size*size. */
  labels: Uint8Array;
  gender: 'male' | 'female';
}

export function renderSample(seed: number, size: number): RenderedSample {
  const face = drawFace(seed);
  const fitTo = { mode: 'width' as const, value: size };
  const image = new Resvg(face.imageSvg, { fitTo, background: face.background }).render();
  // No anti-aliasing for labels: every pixel is exactly one class's code colour or empty.
  const label = new Resvg(face.labelSvg, { fitTo, shapeRendering: 0 }).render();
  if (image.width !== size || image.height !== size || label.width !== size || label.height !== size)
    throw new Error(`rendered ${image.width}x${image.height}, expected ${size}x${size}`);
  const px = image.pixels;
  const lp = label.pixels;
  const n = size * size;
  const rgb = new Uint8Array(n * 3);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = px[i * 4];
    rgb[i * 3 + 1] = px[i * 4 + 1];
    rgb[i * 3 + 2] = px[i * 4 + 2];
    // Premultiplied output: an opaque code pixel has alpha 255 and red = class index.
    labels[i] = lp[i * 4 + 3] >= 128 ? lp[i * 4] : 0;
  }
  return { size, rgb, labels, gender: face.gender };
}
