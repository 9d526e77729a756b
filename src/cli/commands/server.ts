// `ssg start`, `ssg worker`, `ssg migrate`, `ssg emit-schema`: the server's processes and its
// database and schema. Configured by environment variables (src/config.ts), not by options.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config.ts';
import type { Command } from '../args.ts';
import { withProgress } from '../progress.ts';
import { modelFile } from '../../inference/model-files.ts';

export const start: Command = async () => {
  const config = loadConfig();
  const { startApp } = await import('../../main.ts');
  const { createLogger } = await import('../../log.ts');
  const log = createLogger(config);
  const { DEMO_MODEL_DIR_NAME } = await import('../../models/registry.ts');
  const firstStart =
    config.demoModel && !fs.existsSync(modelFile(path.join(config.modelsDir, DEMO_MODEL_DIR_NAME), 'manifest'));
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
};

export const worker: Command = async () => {
  const config = loadConfig();
  const { openContext } = await import('../../main.ts');
  const { createLogger } = await import('../../log.ts');
  const { startWorker } = await import('../../jobs/worker.ts');
  const log = createLogger(config);
  const opened = await openContext(config, log);
  console.log(`database: ${opened.database.description}`);
  const running = await startWorker(opened.ctx, {
    concurrency: config.workerConcurrency,
    testJobDelayMs: config.testJobDelayMs,
  });
  onShutdown(async () => {
    await running.stop();
    await opened.close();
  });
  console.log(`ssg-studio worker running (concurrency ${config.workerConcurrency})`);
};

export const migrate: Command = async () => {
  const config = loadConfig();
  const { openDatabase } = await import('../../db/database.ts');
  const { migrate: applyMigrations } = await import('../../db/migrate.ts');
  const db = await openDatabase(config);
  console.log(`database: ${db.description}`);
  try {
    const { applied } = await applyMigrations(db.url);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.stop();
  }
};

export const emitSchema: Command = async () => {
  const { emitSchema: emit } = await import('../../resolvers/schema.ts');
  const file = await emit();
  console.log(`wrote ${file}`);
};

function describeModel(m: { name: string; resolution: number; untrained: boolean }): string {
  return `${m.name} (${m.resolution} px${m.untrained ? ', UNTRAINED demo weights' : ''})`;
}

/**
 * A signal forwarded by a wrapper arrives twice: `npm start` passes SIGINT and SIGTERM on to its
 * child, and a terminal's Ctrl-C reaches both. A repeat within this window is that echo, not a
 * second Ctrl-C.
 */
const ECHO_MS = 500;

function onShutdown(stop: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince < ECHO_MS) return;
        process.exit(1); // a second Ctrl-C does not wait
      }
      stoppingSince = Date.now();
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
