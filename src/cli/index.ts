// The `ssg` command line. Names and options are fixed by the spec because scripts outside the
// project call them; ./usage.ts lists them. The dispatcher answers `--help` and checks every
// command's options before the command runs, so that `ssg start --help` never starts anything.
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { UsageError, parseCommandArgs, wantsHelp, type ParsedArgs } from './args.ts';
import { withProgress } from './progress.ts';
import { tokenCreate, tokenList, tokenRevoke } from './token.ts';
import { COMMANDS, GROUPS, commandHelp, groupHelp, overview } from './usage.ts';

/** A command gets its checked arguments, and the raw ones for the model commands' own parsers. */
type Command = (args: ParsedArgs, argv: string[]) => Promise<void>;

const RUN: Record<string, Command> = {
  async start() {
    const config = loadConfig();
    const { startApp } = await import('../main.ts');
    const { createLogger } = await import('../log.ts');
    const log = createLogger(config);
    const { DEMO_MODEL_DIR_NAME } = await import('../models/registry.ts');
    const firstStart =
      config.demoModel && !fs.existsSync(path.join(config.modelsDir, DEMO_MODEL_DIR_NAME, 'manifest.json'));
    // The first start builds the demo model (tens of seconds): say so rather than sit silent.
    const app = firstStart
      ? await withProgress('first start: building the demo model, then starting', () => startApp(config, log))
      : await startApp(config, log);
    console.log(`database: ${app.database.description}`);
    console.log(`models: ${app.ctx.models.list().map(describeModel).join(', ')}`);
    console.log(
      `worker: ${config.runWorker ? `in this process (concurrency ${config.workerConcurrency})` : 'off (SSG_WORKER=0)'}`,
    );
    // Handlers first: a supervisor may signal as soon as it reads the ready line.
    onShutdown(() => app.stop());
    console.log(`ssg-studio is ready: ${app.url}/graphql`);
  },

  async worker() {
    const config = loadConfig();
    const { openContext } = await import('../main.ts');
    const { createLogger } = await import('../log.ts');
    const { startWorker } = await import('../jobs/worker.ts');
    const log = createLogger(config);
    const opened = await openContext(config, log);
    console.log(`database: ${opened.database.description}`);
    const worker = await startWorker(opened.ctx, { concurrency: config.workerConcurrency });
    onShutdown(async () => {
      await worker.stop();
      await opened.close();
    });
    console.log(`ssg-studio worker running (concurrency ${config.workerConcurrency})`);
  },

  async migrate() {
    const config = loadConfig();
    const { openDatabase } = await import('../db/database.ts');
    const { migrate } = await import('../db/migrate.ts');
    const db = await openDatabase(config);
    console.log(`database: ${db.description}`);
    try {
      const { applied } = await migrate(db.url);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.stop();
    }
  },

  'token create': tokenCreate,
  'token list': tokenList,
  'token revoke': tokenRevoke,

  async 'emit-schema'() {
    const { emitSchema } = await import('../resolvers/schema.ts');
    const file = await emitSchema();
    console.log(`wrote ${file}`);
  },

  async 'import-checkpoint'({ positionals }, argv) {
    const { importCheckpointCommand } = await import('../inference/cli.ts');
    const file = positionals[0];
    const size = fs.existsSync(file) ? ` (${(fs.statSync(file).size / 1e6).toFixed(0)} MB)` : '';
    await withProgress(`importing ${file}${size}`, () => importCheckpointCommand(argv));
  },
  async 'build-demo-model'(_args, argv) {
    const { buildDemoModelCommand } = await import('../inference/cli.ts');
    await withProgress('building the demo model', () => buildDemoModelCommand(argv));
  },
  async render(_args, argv) {
    const { renderCommand } = await import('../inference/cli.ts');
    await renderCommand(argv);
  },
  async sample(_args, argv) {
    const { sampleCommand } = await import('../inference/cli.ts');
    await sampleCommand(argv);
  },
  async bench(_args, argv) {
    const { benchCommand } = await import('../inference/cli.ts');
    await benchCommand(argv);
  },
  async 'learn-directions'({ values }) {
    const { learnDirectionsCommand } = await import('../directions/cli.ts');
    await learnDirectionsCommand(values);
  },
  async 'import-direction'({ values }) {
    const { importDirectionCommand } = await import('../directions/cli.ts');
    await importDirectionCommand(values);
  },
  ...Object.fromEntries(
    ['make-dataset', 'make-composites', 'train', 'finetune', 'export-model', 'train-encoder', 'export-encoder'].map(
      (name): [string, Command] => [
        name,
        async (_args, argv) => (await import('../training/commands.ts')).trainingCommands[name](argv),
      ],
    ),
  ),
};

// Errors that describe the user's input or files (their messages name the problem); matched by
// name so this module does not load onnxruntime just to recognise them.
const USER_ERRORS = new Set([
  'TrainingSetupError',
  'DatasetError',
  'ModelLoadError',
  'CheckpointError',
  'NpyError',
  'LatentError',
  'TokenError',
  'DirectionError',
]);

function describeModel(m: { name: string; resolution: number; untrained: boolean }): string {
  return `${m.name} (${m.resolution} px${m.untrained ? ', UNTRAINED demo weights' : ''})`;
}

function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1); // a second Ctrl-C does not wait
      stopping = true;
      stop().then(
        () => process.exit(0),
        (err: Error) => {
          console.error(`error while stopping: ${err.message}`);
          process.exit(1);
        },
      );
    });
  }
}

/** Splits `token create --x` into the command's table name and its arguments. */
function resolve(argv: string[]): { name: string; rest: string[] } | { help: string } {
  const [first, ...rest] = argv;
  const group = GROUPS[first];
  if (group) {
    const [sub, ...subRest] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      if (sub === undefined) throw new UsageError(`${first}: missing sub-command (${group.join(', ')})`);
      return { help: groupHelp(first) };
    }
    const name = `${first} ${sub}`;
    if (!COMMANDS[name]) throw new UsageError(`unknown command "${name}" (ssg ${first} --help lists them)`);
    return { name, rest: subRest };
  }
  if (!COMMANDS[first]) throw new UsageError(`unknown command "${first}" (ssg --help lists the commands)`);
  return { name: first, rest };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(overview());
    return;
  }
  if (argv[0] === 'help') {
    if (argv.length === 1) return void process.stdout.write(overview());
    const target = resolve(argv.slice(1));
    process.stdout.write('help' in target ? target.help : commandHelp(target.name));
    return;
  }
  const target = resolve(argv);
  if ('help' in target) return void process.stdout.write(target.help);
  if (wantsHelp(target.rest)) return void process.stdout.write(commandHelp(target.name));
  const parsed = parseCommandArgs(target.name, COMMANDS[target.name], target.rest);
  await RUN[target.name](parsed, target.rest);
}

main().catch((err: Error) => {
  // The user's mistakes get one line and no stack: 2 for how the command was called, 1 for the rest.
  if (err.name === 'UsageError') {
    console.error(`ssg: ${err.message.split('\n')[0]}`);
    process.exit(2);
  }
  if (err instanceof ConfigError || USER_ERRORS.has(err.name)) console.error(`ssg: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
