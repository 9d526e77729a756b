// `ssg export-model`: the PyTorch package writes a model checkpoint from a training checkpoint,
// then the checkpoint import (src/inference/checkpoint.ts) turns it into a model directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importCheckpoint } from '../../inference/checkpoint.ts';
import { stringOption, type Command } from '../args.ts';
import { reportImport } from './models.ts';
import { runPython } from './train.ts';

export const exportModel: Command = async ({ values }) => {
  const out = stringOption(values, 'out')!;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-export-'));
  try {
    const pt = path.join(tmp, 'model.pt');
    if (!(await runPython('export-model', values, ['--out', pt]))) return;
    const keep = stringOption(values, 'checkpoint');
    if (keep) fs.copyFileSync(pt, keep);
    const name = stringOption(values, 'name') || undefined;
    reportImport(pt, out, await importCheckpoint(pt, out, { name, force: values.force === true }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
};
