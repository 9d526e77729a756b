// Assembles a running ssg-studio process: database, migrations, models, queue, HTTP API and
// (unless SSG_WORKER=0) an inference worker. `npm start` and the tests both come through here.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config.ts';
import type { AppContext } from './context.ts';
import { createPrisma } from './db/client.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { syncModelCatalogue } from './domain/model-catalogue.ts';
import { FitThread } from './directions/fit-thread.ts';
import { ImageDecoder } from './inference/image-decoder.ts';
import { createLogger } from './log.ts';
import { observeBatch } from './metrics.ts';
import { createHttpServer } from './http/server.ts';
import { createJobQueue } from './jobs/queue.ts';
import { startWorker } from './jobs/worker.ts';
import { ModelRegistry } from './models/registry.ts';
import { createPgPubSub } from './pubsub/pg-pubsub.ts';

export interface RunningApp {
  ctx: AppContext;
  database: Database;
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:4000 */
  url: string;
  server: Server;
  /** Base URL of the metrics port (config.metricsPort), when there is one. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** Opens the database, migrates, loads models and builds the shared context (no HTTP, no worker). */
export async function openContext(
  config: Config,
  log: Logger = createLogger(config),
): Promise<{ ctx: AppContext; database: Database; close(): Promise<void> }> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  log.info({ database: database.kind }, `database: ${database.description}`);
  try {
    const { applied } = await migrate(database.url);
    if (applied.length) log.info({ applied }, 'migrations applied');
    const prisma = createPrisma(database.url);
    const pubsub = await createPgPubSub(database.url, log);
    const jobs = await createJobQueue(database.url, prisma);
    const models = await ModelRegistry.open({
      modelsDir: config.modelsDir,
      builtinModelsDir: config.builtinModelsDir,
      demoModel: config.demoModel,
      executionProviders: config.executionProviders,
      executionProvidersStrict: config.executionProvidersStrict,
      renders: config.runWorker,
      batchWindowMs: config.batchWindowMs,
      maxBatch: config.maxBatch,
      onBatch: observeBatch,
      log,
    });
    await syncModelCatalogue(prisma, models, log);
    // Workers start on the first picture, not here.
    const images = new ImageDecoder({ ...config.imageDecode, log });
    const fits = new FitThread();
    const ctx: AppContext = { config, databaseUrl: database.url, prisma, models, jobs, pubsub, images, fits, log };
    return {
      ctx,
      database,
      async close() {
        await images.close();
        await fits.close();
        await models.close();
        await pubsub.close();
        await prisma.$disconnect();
        await database.stop();
      },
    };
  } catch (err) {
    await database.stop().catch(() => {});
    throw err;
  }
}

export async function startApp(config: Config, log: Logger = createLogger(config)): Promise<RunningApp> {
  const opened = await openContext(config, log);
  const { ctx } = opened;
  let http: Awaited<ReturnType<typeof createHttpServer>> | undefined;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    http = await createHttpServer(ctx);
    await listen(http.server, config.port, config.host);
    if (http.metricsServer) await listen(http.metricsServer, config.metricsPort!, config.host, 'SSG_METRICS_PORT');
    if (config.runWorker)
      worker = await startWorker(ctx, { concurrency: config.workerConcurrency, testJobDelayMs: config.testJobDelayMs });
  } catch (err) {
    await http?.stop().catch(() => {});
    await opened.close().catch(() => {});
    throw err;
  }
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const metricsAddress = http.metricsServer?.address();
  let stopping: Promise<void> | undefined;
  return {
    ctx,
    database: opened.database,
    url: `http://${host}:${port}`,
    server: http.server,
    ...(typeof metricsAddress === 'object' && metricsAddress
      ? { metricsUrl: `http://${host}:${metricsAddress.port}` }
      : {}),
    stop() {
      // Stop taking work first, then finish or release running jobs, then close the rest.
      stopping ??= (async () => {
        log.info('stopping: HTTP server draining (no new requests or subscriptions)');
        await http!.stop();
        log.info('HTTP server stopped');
        await worker?.stop(); // logs its own steps: finish running jobs, hand back the rest
        await opened.close();
        log.info('stopped: models, events and database closed');
      })();
      return stopping;
    },
  };
}

function listen(server: Server, port: number, host: string, variable = 'PORT'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new ConfigError(`port ${port} is already in use; stop the other process or set ${variable} to a free port`),
        );
      } else if (err.code === 'EACCES') {
        reject(new ConfigError(`not allowed to listen on port ${port}; set ${variable} to 1024 or above`));
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
