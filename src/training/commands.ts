// `ssg make-dataset`, `ssg train`, `ssg finetune`, `ssg export-model`, `ssg train-encoder`,
// `ssg export-encoder`: the training commands
// (their usage text and options are in src/cli/usage.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeComposites } from '../dataset/make-composites.ts';
import { DatasetError, makeDataset } from '../dataset/make-dataset.ts';
import { COMMANDS } from '../cli/usage.ts';
import { runTrainingModule } from './python.ts';

/**
 * A command's options, parsed with its entry in the one usage table (src/cli/usage.ts). Boolean
 * options come back as `true` or absent; read them by truthiness.
 */
function parseOptions(command: string, argv: string[]): Record<string, string | undefined> {
  const options = Object.fromEntries(
    Object.entries(COMMANDS[command].options).map(([name, o]) => [name, { type: o.type }]),
  );
  return parseArgs({ args: argv, options }).values as Record<string, string | undefined>;
}

const PRESET_BY_SIZE: Record<string, string> = { '64': 'cartoon64', '32': 'tiny' };

function forward(values: Record<string, string | boolean | undefined>, names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const v = values[n];
    if (v === undefined || v === false) continue;
    out.push(`--${n}`);
    if (v !== true) out.push(String(v));
  }
  return out;
}

export class TrainingUsageError extends Error {
  override name = 'UsageError';
}

function need(values: Record<string, unknown>, names: string[], cmd: string): void {
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length)
    throw new TrainingUsageError(`${cmd} needs ${missing.map((m) => `--${m}`).join(', ')} (see ssg ${cmd} --help)`);
}

export const trainingCommands: Record<string, (argv: string[]) => Promise<void>> = {
  async 'make-dataset'(argv) {
    const values = parseOptions('make-dataset', argv);
    need(values, ['out', 'count', 'size'], 'make-dataset');
    let lastPrint = 0;
    try {
      const r = await makeDataset({
        outDir: values.out!,
        count: Number(values.count),
        size: Number(values.size),
        seed: Number(values.seed ?? '1'),
        threads: values.threads ? Number(values.threads) : os.availableParallelism(),
        onProgress: (done, total, rate) => {
          if (Date.now() - lastPrint > 1000 || done === total) {
            lastPrint = Date.now();
            process.stdout.write(`\r${done}/${total} faces, ${rate.toFixed(0)}/s   `);
          }
        },
      });
      process.stdout.write('\n');
      console.log(
        `wrote ${r.count} faces of ${r.size} px to ${values.out} in ${r.seconds.toFixed(1)} s (${r.samplesPerSecond.toFixed(0)} faces/s); contact sheet: ${path.join(values.out!, 'contact-sheet.png')}`,
      );
    } catch (e) {
      if (e instanceof DatasetError) throw new TrainingUsageError(e.message);
      throw e;
    }
  },

  async 'make-composites'(argv) {
    const values = parseOptions('make-composites', argv);
    need(values, ['data', 'count'], 'make-composites');
    let lastPrint = 0;
    try {
      const r = await makeComposites({
        dataDir: values.data!,
        count: Number(values.count),
        seed: Number(values.seed ?? '1001'),
        threads: values.threads ? Number(values.threads) : os.availableParallelism(),
        onProgress: (done, total, rate) => {
          if (Date.now() - lastPrint > 1000 || done === total) {
            lastPrint = Date.now();
            process.stdout.write(`\r${done}/${total} composites, ${rate.toFixed(0)}/s   `);
          }
        },
      });
      process.stdout.write('\n');
      console.log(
        `wrote ${r.count} composites to ${path.join(values.data!, 'composites')} in ${r.seconds.toFixed(1)} s`,
      );
    } catch (e) {
      if (e instanceof DatasetError) throw new TrainingUsageError(e.message);
      throw e;
    }
  },

  async train(argv) {
    const values = parseOptions('train', argv);
    need(values, ['data', 'out'], 'train');
    values.mode ??= 'recon';
    if (values.mode !== 'recon' && values.mode !== 'gan') throw new TrainingUsageError('--mode is recon or gan');
    if (values.size && !values.preset && !PRESET_BY_SIZE[values.size])
      throw new TrainingUsageError(
        `--size ${values.size}: presets exist for ${Object.keys(PRESET_BY_SIZE).join(', ')} px`,
      );
    if (!fs.existsSync(values.data!)) throw new TrainingUsageError(`--data ${values.data} does not exist`);
    const preset = values.preset ?? PRESET_BY_SIZE[values.size ?? '64'];
    const code = await runTrainingModule([
      'train',
      '--preset',
      preset,
      ...absolute(values, ['data', 'out', 'resume']),
      ...forward(values, ['mode', 'kimg', 'batch', 'max-images', 'bf16', 'threads', 'seed']),
      ...forward(values, ['log-every', 'sheet-every', 'ckpt-every', 'd-base']),
    ]);
    if (code !== 0) process.exitCode = code;
  },

  async finetune(argv) {
    const values = parseOptions('finetune', argv);
    need(values, ['from', 'images', 'out'], 'finetune');
    const code = await runTrainingModule([
      'finetune',
      ...absolute(values, ['from', 'images', 'out', 'resume']),
      ...forward(values, ['kimg', 'batch', 'max-images', 'bf16', 'threads', 'seed']),
      ...forward(values, ['log-every', 'sheet-every', 'ckpt-every', 'd-base']),
    ]);
    if (code !== 0) process.exitCode = code;
  },

  async 'export-model'(argv) {
    const values = parseOptions('export-model', argv);
    need(values, ['from', 'out'], 'export-model');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-export-'));
    try {
      const pt = path.join(tmp, 'model.pt');
      const code = await runTrainingModule([
        'export',
        '--from',
        path.resolve(values.from!),
        '--out',
        pt,
        ...forward(values, ['description', 'ema']),
      ]);
      if (code !== 0) {
        process.exitCode = code;
        return;
      }
      if (values.checkpoint) fs.copyFileSync(pt, values.checkpoint);
      const { importCheckpointCommand } = await import('../inference/cli.ts');
      await importCheckpointCommand([
        pt,
        '--out',
        values.out!,
        ...(values.name ? ['--name', values.name] : []),
        ...(values.force ? ['--force'] : []),
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },

  async 'train-encoder'(argv) {
    const values = parseOptions('train-encoder', argv);
    need(values, ['out'], 'train-encoder');
    if (!values['model-ckpt'] && !values.resume)
      throw new TrainingUsageError('train-encoder needs --model-ckpt (or --resume) (see ssg train-encoder --help)');
    for (const o of ['model-ckpt', 'data', 'model-dir', 'resume'])
      if (values[o] && !fs.existsSync(values[o]!)) throw new TrainingUsageError(`--${o} ${values[o]} does not exist`);
    const code = await runTrainingModule([
      'train-encoder',
      ...absolute(values, ['model-ckpt', 'data', 'model-dir', 'out', 'resume']),
      ...forward(values, ['kimg', 'iterations', 'batch', 'real-share', 'lr', 'feature-steps', 'max-images', 'bf16']),
      ...forward(values, ['threads', 'seed', 'log-every', 'sheet-every', 'ckpt-every']),
    ]);
    if (code !== 0) process.exitCode = code;
  },

  async 'export-encoder'(argv) {
    const values = parseOptions('export-encoder', argv);
    need(values, ['from', 'out'], 'export-encoder');
    for (const o of ['from', 'out', 'heldout'])
      if (values[o] && !fs.existsSync(values[o]!)) throw new TrainingUsageError(`--${o} ${values[o]} does not exist`);
    const code = await runTrainingModule([
      'export-encoder',
      ...absolute(values, ['from', 'out', 'heldout', 'sheet', 'check-dir']),
      ...forward(values, ['images', 'threads']),
    ]);
    if (code !== 0) process.exitCode = code;
  },
};

/** Path options, made absolute: the Python module runs in training/, not in the user's directory. */
function absolute(values: Record<string, string | undefined>, names: string[]): string[] {
  return names.flatMap((n) => (values[n] === undefined ? [] : [`--${n}`, path.resolve(values[n]!)]));
}
