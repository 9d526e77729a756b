// Worker thread of make-dataset and make-composites: renders the samples it is asked for and writes
// their files (and, for dataset samples, the facesjs parameters they were drawn from).
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { sampleFace, type FaceParams } from './face-svg.ts';
import { paramsName, writeSampleFiles } from './files.ts';
import { renderComposite, renderParams } from './render-sample.ts';
import { sampleSeed } from './seeded-random.ts';
import type { SwapPart } from './swap-truth.ts';

const { outDir, size, seed, paramsDir } = workerData as {
  outDir: string;
  size: number;
  seed: number;
  /** Set for composites: where the dataset's params/NNNNNN.json are. */
  paramsDir?: string;
};

export interface CompositeTask {
  index: number;
  a: number;
  b: number;
  component: string;
  part: SwapPart;
}

const readParams = (i: number): FaceParams =>
  JSON.parse(fs.readFileSync(path.join(paramsDir!, paramsName(i)), 'utf8')) as FaceParams;

parentPort!.on('message', (tasks: Array<number | CompositeTask> | null) => {
  if (tasks === null) {
    parentPort!.close();
    return;
  }
  const stats = [];
  for (const task of tasks) {
    if (typeof task === 'number') {
      const params = sampleFace(sampleSeed(seed, task));
      const sample = renderParams(params, size);
      writeSampleFiles(outDir, task, sample);
      fs.writeFileSync(path.join(outDir, 'params', paramsName(task)), JSON.stringify(params) + '\n');
      stats.push({ index: task, gender: sample.gender, histogram: classHistogram(sample.labels) });
    } else {
      const sample = renderComposite(readParams(task.a), readParams(task.b), task.component, task.part, size);
      writeSampleFiles(outDir, task.index, sample);
      stats.push({ index: task.index, gender: sample.gender, histogram: classHistogram(sample.labels) });
    }
  }
  parentPort!.postMessage(stats);
});

function classHistogram(labels: Uint8Array): number[] {
  const h = new Array<number>(16).fill(0);
  for (const l of labels) h[l]++;
  return h;
}
