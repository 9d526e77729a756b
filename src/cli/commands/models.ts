// `ssg import-checkpoint` and `ssg build-demo-model`: write a model directory.
import fs from 'node:fs';
import { importCheckpoint, type ImportResult } from '../../inference/checkpoint.ts';
import { buildDemoModel } from '../../inference/demo.ts';
import { UsageError, stringOption, type Command } from '../args.ts';
import { withProgress } from '../progress.ts';

export const importCheckpointCommand: Command = async ({ values, positionals }) => {
  const file = positionals[0];
  const out = stringOption(values, 'out')!;
  const name = stringOption(values, 'name');
  if (name === '') throw new UsageError('missing --name');
  const size = fs.existsSync(file) ? ` (${(fs.statSync(file).size / 1e6).toFixed(0)} MB)` : '';
  await withProgress(`importing ${file}${size}`, async () =>
    reportImport(file, out, await importCheckpoint(file, out, { name })),
  );
};

/** What an import prints: the train.py defaults it filled in, then the model it wrote. */
export function reportImport(file: string, out: string, { manifest, defaulted }: ImportResult): void {
  for (const d of defaulted)
    console.log(`args.${d.field} missing: using the authors' train.py default ${JSON.stringify(d.value)}`);
  console.log(`imported ${file} -> ${out} (${manifest.name}, ${manifest.components.length} classes)`);
}

export const buildDemoModelCommand: Command = async ({ values }) => {
  const out = stringOption(values, 'out')!;
  await withProgress('building the demo model', async () => {
    await buildDemoModel(out);
    console.log(`wrote demo model (untrained) -> ${out}`);
  });
};
