// `ssg make-dataset` and `ssg make-composites`: the generated training data (src/dataset/).
// A DatasetError names a wrong option value or an unusable directory: a usage mistake (exit 2).
import os from 'node:os';
import path from 'node:path';
import { makeComposites } from '../../dataset/make-composites.ts';
import { DatasetError, makeDataset } from '../../dataset/make-dataset.ts';
import { UsageError, stringOption, type Command, type Values } from '../args.ts';

export const makeDatasetCommand: Command = async ({ values }) => {
  const out = stringOption(values, 'out')!;
  const progress = printProgress('faces');
  const r = await asUsage(() =>
    makeDataset({
      outDir: out,
      count: Number(values.count),
      size: Number(values.size),
      seed: Number(values.seed ?? '1'),
      threads: threads(values),
      onProgress: progress,
    }),
  );
  process.stdout.write('\n');
  console.log(
    `wrote ${r.count} faces of ${r.size} px to ${out} in ${r.seconds.toFixed(1)} s (${r.samplesPerSecond.toFixed(0)} faces/s); contact sheet: ${path.join(out, 'contact-sheet.png')}`,
  );
};

export const makeCompositesCommand: Command = async ({ values }) => {
  const data = stringOption(values, 'data')!;
  const progress = printProgress('composites');
  const r = await asUsage(() =>
    makeComposites({
      dataDir: data,
      count: Number(values.count),
      seed: Number(values.seed ?? '1001'),
      threads: threads(values),
      onProgress: progress,
    }),
  );
  process.stdout.write('\n');
  console.log(`wrote ${r.count} composites to ${path.join(data, 'composites')} in ${r.seconds.toFixed(1)} s`);
};

function threads(values: Values): number {
  return values.threads ? Number(values.threads) : os.availableParallelism();
}

/** A progress line on stdout, rewritten at most once a second and at the end. */
function printProgress(what: string): (done: number, total: number, rate: number) => void {
  let lastPrint = 0;
  return (done, total, rate) => {
    if (Date.now() - lastPrint > 1000 || done === total) {
      lastPrint = Date.now();
      process.stdout.write(`\r${done}/${total} ${what}, ${rate.toFixed(0)}/s   `);
    }
  };
}

async function asUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(e.message);
    throw e;
  }
}
