// `ssg make-dataset`: cartoon faces with per-pixel part labels, made by facesjs and resvg on
// worker threads (one per core), reproducible from the seed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CARTOON_CLASSES, TRANSPARENT_DIMS } from './classes.ts';
import { CROP_VIEWBOX } from './face-svg.ts';
import { startTsWorker } from '../worker-thread.ts';
import { DATASET_FORMAT, encodePng, readPng, sampleName } from './files.ts';

export interface MakeDatasetOptions {
  outDir: string;
  count: number;
  size: number;
  seed: number;
  threads?: number;
  onProgress?: (done: number, total: number, perSecond: number) => void;
}

export interface DatasetSummary {
  count: number;
  size: number;
  seconds: number;
  samplesPerSecond: number;
}

const BATCH = 64;

export async function makeDataset(o: MakeDatasetOptions): Promise<DatasetSummary> {
  if (!Number.isInteger(o.count) || o.count < 1) throw new DatasetError('--count must be a positive integer');
  if (!Number.isInteger(o.size) || o.size < 16 || o.size > 1024)
    throw new DatasetError('--size must be an integer from 16 to 1024');
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new DatasetError('--seed must be a non-negative integer');
  if (fs.existsSync(path.join(o.outDir, 'dataset.json')))
    throw new DatasetError(`${o.outDir} already holds a dataset (dataset.json); choose another --out`);
  fs.mkdirSync(path.join(o.outDir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(o.outDir, 'labels'), { recursive: true });
  fs.mkdirSync(path.join(o.outDir, 'params'), { recursive: true });

  const started = Date.now();
  const threads = Math.max(1, Math.min(o.threads ?? os.availableParallelism(), Math.ceil(o.count / BATCH)));
  const pixelsPerClass = new Array<number>(CARTOON_CLASSES.length).fill(0);
  const presentIn = new Array<number>(CARTOON_CLASSES.length).fill(0);
  const genders = { male: 0, female: 0 };
  let next = 0;
  let done = 0;

  const workerUrl = new URL('./render-worker.ts', import.meta.url);

  await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = startTsWorker(workerUrl, {
        workerData: { outDir: o.outDir, size: o.size, seed: o.seed },
      });
      return new Promise<void>((resolve, reject) => {
        const feed = () => {
          if (next >= o.count) {
            worker.postMessage(null);
            return;
          }
          const indices: number[] = [];
          for (; indices.length < BATCH && next < o.count; next++) indices.push(next);
          worker.postMessage(indices);
        };
        worker.on('message', (stats: Array<{ gender: 'male' | 'female'; histogram: number[] }>) => {
          for (const s of stats) {
            genders[s.gender]++;
            s.histogram.forEach((n, k) => {
              if (k < pixelsPerClass.length) {
                pixelsPerClass[k] += n;
                if (n > 0) presentIn[k]++;
              }
            });
          }
          done += stats.length;
          o.onProgress?.(done, o.count, done / ((Date.now() - started) / 1000));
          feed();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`dataset worker exited with ${code}`))));
        feed();
      });
    }),
  );

  const seconds = (Date.now() - started) / 1000;
  const totalPixels = o.count * o.size * o.size;
  const meta = {
    format: DATASET_FORMAT,
    description:
      'Cartoon faces drawn by facesjs from seeded random parameters, rasterised by resvg. ' +
      'Each label pixel is the class of the topmost facesjs feature drawn there (labels rendered without anti-aliasing); ' +
      'eyeglasses are labelled where drawn and are a transparent class for the model.',
    made: {
      generator: `facesjs@${packageVersion('facesjs')}`,
      rasteriser: `@resvg/resvg-js@${packageVersion('@resvg/resvg-js')}`,
      seed: o.seed,
      sampleSeed: 'sampleSeed(seed, index) in src/dataset/seeded-random.ts; Math.random = mulberry32(sampleSeed)',
      cropViewBox: CROP_VIEWBOX,
      background: 'one random flat colour per face',
      gender: 'male or female with probability 1/2',
      createdAt: new Date().toISOString(),
      seconds,
      samplesPerSecond: o.count / seconds,
      threads,
    },
    count: o.count,
    size: o.size,
    files: {
      images: 'images/NNNNNN.png (RGB)',
      labels: 'labels/NNNNNN.png (grey, value = class index)',
      params: 'params/NNNNNN.json (facesjs parameters, background colour and gender the face was drawn from)',
    },
    classes: CARTOON_CLASSES.map((c, k) => ({
      ...c,
      pixelShare: pixelsPerClass[k] / totalPixels,
      presentInShare: presentIn[k] / o.count,
    })),
    transparentDims: TRANSPARENT_DIMS,
    genders,
  };
  fs.writeFileSync(path.join(o.outDir, 'dataset.json'), JSON.stringify(meta, null, 2) + '\n');
  writeContactSheet(o.outDir, Math.min(o.count, 24));
  return { count: o.count, size: o.size, seconds, samplesPerSecond: o.count / seconds };
}

/** images beside their coloured labels, 4 pairs per row. */
export function writeContactSheet(dir: string, n: number, file = 'contact-sheet.png'): void {
  const first = readPng(path.join(dir, 'images', sampleName(0)));
  const s = first.width;
  const perRow = 4;
  const rows = Math.ceil(n / perRow);
  const W = perRow * 2 * s + (perRow - 1) * 4;
  const H = rows * s + (rows - 1) * 4;
  const out = new Uint8Array(W * H * 3).fill(255);
  for (let i = 0; i < n; i++) {
    const img = readPng(path.join(dir, 'images', sampleName(i))).rgba;
    const lab = readPng(path.join(dir, 'labels', sampleName(i))).rgba;
    const ox = (i % perRow) * (2 * s + 4);
    const oy = Math.floor(i / perRow) * (s + 4);
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        const p = (y * s + x) * 4;
        const color = CARTOON_CLASSES[lab[p]]?.color ?? [255, 255, 255];
        for (let c = 0; c < 3; c++) {
          out[((oy + y) * W + ox + x) * 3 + c] = img[p + c];
          out[((oy + y) * W + ox + s + x) * 3 + c] = color[c];
        }
      }
  }
  fs.writeFileSync(path.join(dir, file), encodePng(W, H, out, 3));
}

function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export class DatasetError extends Error {
  override name = 'DatasetError';
}
