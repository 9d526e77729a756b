// Worker thread of make-dataset: renders the samples it is asked for and writes their files.
import { parentPort, workerData } from 'node:worker_threads';
import { writeSampleFiles } from './files.ts';
import { renderSample } from './render-sample.ts';
import { sampleSeed } from './seeded-random.ts';

const { outDir, size, seed } = workerData as { outDir: string; size: number; seed: number };

parentPort!.on('message', (indices: number[] | null) => {
  if (indices === null) {
    parentPort!.close();
    return;
  }
  const stats = [];
  for (const index of indices) {
    const sample = renderSample(sampleSeed(seed, index), size);
    writeSampleFiles(outDir, index, sample);
    stats.push({ index, gender: sample.gender, histogram: classHistogram(sample.labels) });
  }
  parentPort!.postMessage(stats);
});

function classHistogram(labels: Uint8Array): number[] {
  const h = new Array<number>(16).fill(0);
  for (const l of labels) h[l]++;
  return h;
}
