// `ssg train` and `ssg finetune`: run the PyTorch trainer (training/ssg_train) with the options
// their table entries (../usage.ts) mark for Python, paths made absolute.
import { runTrainingModule } from '../../training/python.ts';
import { UsageError, pythonArgs, requireExisting, type Command, type Values } from '../args.ts';
import { COMMANDS } from '../usage.ts';

const PRESET_BY_SIZE: Record<string, string> = { '64': 'cartoon64', '32': 'tiny' };
const MODES = ['recon', 'gan', 'parts'];

/**
 * Runs `python -m ssg_train SUB [BEFORE...] OPTIONS`, SUB and OPTIONS from the `ssg` command's
 * table entry; a failing trainer's exit code becomes this process's. True when it succeeded.
 */
export async function runPython(command: string, values: Values, before: string[] = []): Promise<boolean> {
  const spec = COMMANDS[command];
  const code = await runTrainingModule([spec.pythonCommand!, ...before, ...pythonArgs(spec, values)]);
  if (code !== 0) process.exitCode = code;
  return code === 0;
}

export const train: Command = async ({ values: given }) => {
  const values = { ...given, mode: given.mode ?? 'recon' };
  const { mode, size, preset } = values as Record<string, string | undefined>;
  if (!MODES.includes(mode!)) throw new UsageError('--mode is recon, gan or parts');
  if (size && !preset && !PRESET_BY_SIZE[size])
    throw new UsageError(`--size ${size}: presets exist for ${Object.keys(PRESET_BY_SIZE).join(', ')} px`);
  requireExisting(values, ['data']);
  const chosen = preset ?? (mode === 'parts' ? 'cartoon64-parts' : PRESET_BY_SIZE[size ?? '64']);
  await runPython('train', values, ['--preset', chosen]);
};

export const finetune: Command = async ({ values }) => {
  await runPython('finetune', values);
};
