// `ssg train-encoder` and `ssg export-encoder`: the image -> W+ encoder, trained and exported by
// the PyTorch package with the options their table entries (../usage.ts) mark for Python.
import { UsageError, requireExisting, type Command } from '../args.ts';
import { runPython } from './train.ts';

export const trainEncoder: Command = async ({ values }) => {
  if (!values['model-ckpt'] && !values.resume)
    throw new UsageError('train-encoder needs --model-ckpt (or --resume) (see ssg train-encoder --help)');
  requireExisting(values, ['model-ckpt', 'data', 'model-dir', 'resume', 'heldout'], ['extra-data']);
  await runPython('train-encoder', values);
};

export const exportEncoder: Command = async ({ values }) => {
  requireExisting(values, ['from', 'out', 'heldout']);
  await runPython('export-encoder', values);
};
