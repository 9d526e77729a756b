// A dataset directory on disk: images/NNNNNN.png (RGB), labels/NNNNNN.png (8-bit grey, value =
// class index), params/NNNNNN.json (the facesjs parameters each face was drawn from), dataset.json
// (how it was made), contact-sheet.png, and optionally composites/ (exact part swaps, make-composites).
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { RenderedSample } from './render-sample.ts';

export const DATASET_FORMAT = 'ssg-dataset/1';

export function sampleName(index: number): string {
  return String(index).padStart(6, '0') + '.png';
}

export function paramsName(index: number): string {
  return String(index).padStart(6, '0') + '.json';
}

export function encodePng(width: number, height: number, data: Uint8Array, channels: 1 | 3): Buffer {
  const colorType = channels === 1 ? 0 : 2;
  return PNG.sync.write(
    { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) } as unknown as PNG,
    { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 },
  );
}

export function writeSampleFiles(outDir: string, index: number, s: RenderedSample): void {
  fs.writeFileSync(path.join(outDir, 'images', sampleName(index)), encodePng(s.size, s.size, s.rgb, 3));
  fs.writeFileSync(path.join(outDir, 'labels', sampleName(index)), encodePng(s.size, s.size, s.labels, 1));
}

export function readPng(file: string): { width: number; height: number; rgba: Buffer } {
  const png = PNG.sync.read(fs.readFileSync(file));
  return { width: png.width, height: png.height, rgba: png.data };
}
