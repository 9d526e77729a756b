// learnAttribute's fits off the API's event loop. A fit on 2 x 500 faces is about a second of
// synchronous arithmetic; on the event loop it stalled every tenant's requests for that long.
// One worker thread per process, started on the first fit, runs them one after another (each
// token has at most one at a time: src/domain/in-flight.ts); a fit is bounded by MAX_EXAMPLES,
// so it needs no time limit.
import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../worker-thread.ts';
import type { ExampleFit, ExampleFitRequest } from './example-fit.ts';
import type { FitMessage, FitReply } from './fit-worker.ts';

const workerUrl = new URL('./fit-worker.ts', import.meta.url);

interface Pending {
  resolve(fit: ExampleFit): void;
  reject(err: Error): void;
}

export class FitThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** Fits on the worker thread; `req.latents` is handed over (transferred), not copied. */
  fitExamples(req: ExampleFitRequest): Promise<ExampleFit> {
    if (this.closed) return Promise.reject(new Error('the server is stopping'));
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, req } satisfies FitMessage, [req.latents.buffer as ArrayBuffer]);
    });
  }

  /** Fits sent and not answered yet (tests). */
  get running(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the server is stopping'));
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private spawn(): Worker {
    const worker = startTsWorker(workerUrl);
    worker.unref(); // never what keeps a process alive
    worker.on('message', (msg: FitReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.fit);
      else p.reject(new Error(`fit failed: ${msg.message}`));
    });
    // A dead thread fails what it held; the next fit starts a fresh one.
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`fit worker exited (${code})`)));
    return worker;
  }
}
