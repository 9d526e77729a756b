// The `ssg` command line. Each command is a small function; names are fixed by the spec because
// scripts outside the project call them.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';

type Command = (argv: string[]) => Promise<void>;

const usage = `usage: ssg <command> [options]

  start                         migrate, ensure the demo model, serve the API (and a worker unless SSG_WORKER=0)
  worker                        run a standalone inference worker (SSG_WORKER_CONCURRENCY, SSG_EXECUTION_PROVIDERS)
  migrate                       apply database migrations
  token create --workspace NAME print a new API token for the workspace (created if needed)
  emit-schema                   write schema/schema.graphql from the code
  import-checkpoint FILE.pt --out DIR
  build-demo-model --out DIR
  render --model DIR --latent W.npy --out DIR [--truncation PSI] [--npy]
  sample --model DIR --seed N [--truncation PSI] --out W.npy
  bench --model DIR [--batch B] [--runs N]
  make-dataset --out DIR --count N --size S [--seed K]
  train --data DIR --out DIR [--size 64] [--mode recon|gan] [--kimg K] [--resume CKPT]
  finetune --from CKPT --images DIR --out DIR
  export-model --from CKPT --out MODEL_DIR [--name NAME]
`;

const commands: Record<string, Command> = {
  async start() {
    const config = loadConfig();
    const { startApp, createLogger } = await import('../main.ts');
    const log = createLogger(config);
    const app = await startApp(config, log);
    console.log(`database: ${app.database.description}`);
    console.log(`models: ${app.ctx.models.list().map(describeModel).join(', ')}`);
    console.log(
      `worker: ${config.runWorker ? `in this process (concurrency ${config.workerConcurrency})` : 'off (SSG_WORKER=0)'}`,
    );
    console.log(`ssg-studio is ready: ${app.url}/graphql`);
    onShutdown(() => app.stop());
  },

  async worker() {
    const config = loadConfig();
    const { openContext, createLogger } = await import('../main.ts');
    const { startWorker } = await import('../jobs/worker.ts');
    const log = createLogger(config);
    const opened = await openContext(config, log);
    console.log(`database: ${opened.database.description}`);
    const worker = await startWorker(opened.ctx, { concurrency: config.workerConcurrency });
    console.log(`ssg-studio worker running (concurrency ${config.workerConcurrency})`);
    onShutdown(async () => {
      await worker.stop();
      await opened.close();
    });
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

  async token(argv) {
    const [sub, ...rest] = argv;
    if (sub !== 'create') throw new UsageError('usage: ssg token create --workspace NAME [--name LABEL]');
    const { values } = parseArgs({ args: rest, options: { workspace: { type: 'string' }, name: { type: 'string' } } });
    if (!values.workspace) throw new UsageError('usage: ssg token create --workspace NAME [--name LABEL]');
    const config = loadConfig();
    const { openDatabase } = await import('../db/database.ts');
    const { migrate } = await import('../db/migrate.ts');
    const { createPrisma } = await import('../db/client.ts');
    const { createToken } = await import('../domain/tokens.ts');
    const db = await openDatabase(config);
    try {
      await migrate(db.url);
      const prisma = createPrisma(db.url, 1);
      const created = await createToken(prisma, values.workspace, values.name);
      await prisma.$disconnect();
      console.log(`token for workspace "${created.workspaceName}" (shown once; keep it secret):`);
      console.log(created.token);
    } finally {
      await db.stop();
    }
  },

  async 'emit-schema'() {
    const { emitSchema } = await import('../resolvers/schema.ts');
    const file = await emitSchema();
    console.log(`wrote ${file}`);
  },

  async 'import-checkpoint'(argv) {
    const { importCheckpointCommand } = await import('../inference/cli.ts');
    await importCheckpointCommand(argv);
  },
  async 'build-demo-model'(argv) {
    const { buildDemoModelCommand } = await import('../inference/cli.ts');
    await buildDemoModelCommand(argv);
  },
  async render(argv) {
    const { renderCommand } = await import('../inference/cli.ts');
    await renderCommand(argv);
  },
  async sample(argv) {
    const { sampleCommand } = await import('../inference/cli.ts');
    await sampleCommand(argv);
  },
  async bench(argv) {
    const { benchCommand } = await import('../inference/cli.ts');
    await benchCommand(argv);
  },
  // make-dataset, train, finetune, export-model
  ...Object.fromEntries(
    ['make-dataset', 'train', 'finetune', 'export-model'].map((name) => [
      name,
      async (argv: string[]) => (await import('../training/commands.ts')).trainingCommands[name](argv),
    ]),
  ),
};

class UsageError extends Error {}

// Errors that describe the user's input or files (their messages name the problem); matched by
// name so this module does not load onnxruntime just to recognise them.
const USER_ERRORS = new Set(['UsageError', 'TrainingSetupError', 'DatasetError', 'ModelLoadError', 'CheckpointError', 'NpyError', 'LatentError']);

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

async function main(): Promise<void> {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`ssg: unknown command "${name}"\n\n${usage}`);
    process.exit(2);
  }
  await command(argv);
}

main().catch((err: Error) => {
  // Configuration problems are the user's to fix: one line, no stack.
  if (err instanceof ConfigError || err instanceof UsageError || USER_ERRORS.has(err.name)) {
    console.error(`ssg: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
