// Worker threads that run the TypeScript sources. A thread does not inherit the main thread's
// loader hooks, so it loads tsx first (as bin/ssg.js does for the process), then the module.
import { createRequire } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';

const tsxApi =
  'file://' +
  createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');

/** A Worker running `moduleUrl` (a .ts file's URL, e.g. `new URL('./x-worker.ts', import.meta.url)`). */
export function startTsWorker(moduleUrl: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
