// Rasterises one sample: the picture over its background, and the per-pixel class labels.
import { Resvg } from '@resvg/resvg-js';
import { drawFace, drawParams, labelSvg, spliceFeatures, type FaceParams, type FaceSample } from './face-svg.ts';
import { copiedPaths, copyParams, truthOf, type SwapPart } from './swap-truth.ts';

export interface RenderedSample {
  size: number;
  /** RGB, row-major, size*size*3. */
  rgb: Uint8Array;
  /** Class index per pixel, size*size. */
  labels: Uint8Array;
  gender: 'male' | 'female';
}

export function renderSample(seed: number, size: number): RenderedSample {
  return rasterise(drawFace(seed), size);
}

export function renderParams(p: FaceParams, size: number): RenderedSample {
  return rasterise(drawParams(p), size);
}

/**
 * The exact composite "A with B's `component`" (its shape, texture or both), drawn as the dataset
 * draws faces: A's parameters with B's values for the part, and every group that is not the part's
 * own taken from A's drawing (see swap-truth.ts).
 */
export function compositeParams(a: FaceParams, b: FaceParams, component: string, part: SwapPart): FaceSample {
  const truth = truthOf(component);
  const mixed = copyParams(a, b, copiedPaths(truth, part));
  const drawnA = drawParams(a);
  const drawnMixed = drawParams(mixed);
  const svg = spliceFeatures(drawnMixed.imageSvg, drawnA.imageSvg, truth.features);
  return { imageSvg: svg, labelSvg: labelSvg(svg), background: mixed.background, gender: a.gender };
}

export function renderComposite(
  a: FaceParams,
  b: FaceParams,
  component: string,
  part: SwapPart,
  size: number,
): RenderedSample {
  return rasterise(compositeParams(a, b, component, part), size);
}

export function rasterise(face: FaceSample, size: number): RenderedSample {
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
