// `ssg make-composites`: exact part swaps between faces of a dataset (see swap-truth.ts), written
// to DIR/composites/ with their label maps and a composites.json that says which faces, component
// and part each one is. Training uses them to teach each part's rows to carry that part.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaceParams } from './face-svg.ts';
import { paramsName } from './files.ts';
import { mulberry32 } from './seeded-random.ts';
import { SWAP_TRUTH, partsOf, type SwapPart } from './swap-truth.ts';
import type { CompositeTask } from './render-worker.ts';
import { DatasetError } from './make-dataset.ts';
import { startTsWorker } from '../worker-thread.ts';

/** How often each component is drawn: the small parts the model used to ignore come more often. */
const COMPONENT_WEIGHT: Record<string, number> = {
  eyes: 3,
  mouth: 3,
  eyebrows: 2,
  nose: 2,
  hair: 3,
  face: 2,
  facial_hair: 1.5,
  eyeglasses: 1,
  hat: 1,
  background: 0.5,
  ears: 0.5,
  neck: 0.5,
  cloth: 0.5,
};
/** Parts that most faces lack: B is drawn among the faces that have one this often. */
const PRESENCE_FEATURE: Record<string, string> = {
  eyeglasses: 'glasses',
  hat: 'accessories',
  facial_hair: 'facialHair',
};

export interface MakeCompositesOptions {
  dataDir: string;
  count: number;
  seed: number;
  threads?: number;
  onProgress?: (done: number, total: number, perSecond: number) => void;
}

export function planComposites(params: FaceParams[], count: number, seed: number): CompositeTask[] {
  const rand = mulberry32(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const combos: Array<{ component: string; part: SwapPart; w: number }> = [];
  for (const t of SWAP_TRUTH)
    for (const part of partsOf(t))
      combos.push({ component: t.component, part, w: (COMPONENT_WEIGHT[t.component] ?? 1) / partsOf(t).length });
  const total = combos.reduce((s, c) => s + c.w, 0);
  const having: Record<string, number[]> = {};
  for (const [component, feature] of Object.entries(PRESENCE_FEATURE))
    having[component] = params.flatMap((p, i) =>
      (p.face as Record<string, { id?: string }>)[feature]?.id !== 'none' ? [i] : [],
    );
  const tasks: CompositeTask[] = [];
  for (let index = 0; index < count; index++) {
    let r = rand() * total;
    const combo = combos.find((c) => (r -= c.w) < 0) ?? combos[combos.length - 1];
    const a = pick(params.length);
    const pool = having[combo.component];
    let b = pool && pool.length > 0 && rand() < 0.7 ? pool[pick(pool.length)] : pick(params.length);
    if (b === a) b = (a + 1) % params.length;
    tasks.push({ index, a, b, component: combo.component, part: combo.part });
  }
  return tasks;
}

export async function makeComposites(o: MakeCompositesOptions): Promise<{ count: number; seconds: number }> {
  const meta = JSON.parse(fs.readFileSync(path.join(o.dataDir, 'dataset.json'), 'utf8')) as {
    count: number;
    size: number;
  };
  const paramsDir = path.join(o.dataDir, 'params');
  if (!fs.existsSync(paramsDir))
    throw new DatasetError(`${o.dataDir} has no params/: remake it with this version of make-dataset`);
  const params = Array.from(
    { length: meta.count },
    (_, i) => JSON.parse(fs.readFileSync(path.join(paramsDir, paramsName(i)), 'utf8')) as FaceParams,
  );
  const outDir = path.join(o.dataDir, 'composites');
  fs.mkdirSync(path.join(outDir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(outDir, 'labels'), { recursive: true });
  const tasks = planComposites(params, o.count, o.seed);
  const started = Date.now();
  const threads = Math.max(1, Math.min(o.threads ?? os.availableParallelism(), Math.ceil(o.count / 32)));
  const workerUrl = new URL('./render-worker.ts', import.meta.url);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = startTsWorker(workerUrl, {
        workerData: { outDir, size: meta.size, seed: o.seed, paramsDir },
      });
      return new Promise<void>((resolve, reject) => {
        const feed = () => {
          if (next >= tasks.length) return worker.postMessage(null);
          const batch = tasks.slice(next, next + 32);
          next += batch.length;
          worker.postMessage(batch);
        };
        worker.on('message', (stats: unknown[]) => {
          done += stats.length;
          o.onProgress?.(done, tasks.length, done / ((Date.now() - started) / 1000));
          feed();
        });
        worker.on('error', reject);
        worker.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`composite worker exited with ${code}`)),
        );
        feed();
      });
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const doc = {
    description: "A with B's component (shape, texture or both), drawn exactly: see docs/model/swap-truth.md",
    seed: o.seed,
    count: tasks.length,
    files: { images: 'composites/images/NNNNNN.png', labels: 'composites/labels/NNNNNN.png' },
    entries: tasks.map(({ index, a, b, component, part }) => ({ index, a, b, component, part })),
  };
  fs.writeFileSync(path.join(o.dataDir, 'composites.json'), JSON.stringify(doc) + '\n');
  return { count: tasks.length, seconds };
}
