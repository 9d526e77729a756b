// What every part of a running ssg-studio process shares. Built once in src/main.ts.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { PrismaClient } from './db/client.ts';
import type { FitThread } from './directions/fit-thread.ts';
import type { ImageDecoder } from './inference/image-decoder.ts';
import type { JobQueue } from './jobs/types.ts';
import type { ModelRegistry } from './models/registry.ts';
import type { PubSub } from './pubsub/types.ts';

export interface AppContext {
  config: Config;
  /** Connection string of the database in use (embedded or DATABASE_URL). */
  databaseUrl: string;
  prisma: PrismaClient;
  models: ModelRegistry;
  jobs: JobQueue;
  pubsub: PubSub;
  /** importImage's decoding pool (worker threads). */
  images: ImageDecoder;
  /** learnAttribute's fits (a worker thread). */
  fits: FitThread;
  log: Logger;
}
