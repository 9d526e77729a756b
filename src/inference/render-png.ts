// A render's raw float outputs as the files the API serves: the image, the segmentation coloured
// by component, and one grey depth map per component.
import { argmaxClasses, colourise, encodeGray, encodeRgb, imageToRgb, normaliseGray } from './png.ts';
import type { RawOutputs } from './raw-outputs.ts';
import type { RenderResult } from './types.ts';

/** The image PNG alone of sample i (a picture shown and never stored needs no masks). */
export function encodeImagePng(raw: RawOutputs, i: number): { width: number; height: number; imagePng: Buffer } {
  const H = raw.size;
  return { width: H, height: H, imagePng: encodeRgb(H, H, imageToRgb(raw.image, i * 3 * H * H, H, H)) };
}

/** Every file of sample i; `colours` are the components' segmentation colours, in class order. */
export function encodeRenderResult(raw: RawOutputs, i: number, colours: Array<[number, number, number]>): RenderResult {
  const H = raw.size,
    K = raw.numComponents,
    S = raw.coarseSize,
    P = H * H;
  const { imagePng } = encodeImagePng(raw, i);
  const classes = argmaxClasses(raw.segmentation, i * K * P, K, P);
  const segmentationPng = encodeRgb(H, H, colourise(classes, colours));
  const coarseMask = raw.coarse.slice(i * K * S * S, (i + 1) * K * S * S);
  const depthPngs: Buffer[] = [];
  for (let k = 0; k < K; k++) depthPngs.push(encodeGray(S, S, normaliseGray(raw.depth, (i * K + k) * S * S, S * S)));
  return { width: H, height: H, imagePng, segmentationPng, coarseMask, coarseSize: S, depthPngs };
}
