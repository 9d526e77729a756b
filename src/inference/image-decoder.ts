// Decoding pictures off the API's event loop. A PNG or JPEG of tens of megapixels takes seconds
// and a gigabyte to decode; on the event loop that stalls every request of every tenant. Here a
// small pool of worker threads (SSG_IMAGE_DECODERS, default 1) decodes, crops and resizes one
// picture each, with a heap limit (resourceLimits) and a time limit: a worker past its time is
// terminated and replaced, and its request answers IMAGE_DECODE_TIMEOUT. Requests beyond the
// workers wait in a bounded queue; past it they answer IMAGE_DECODER_BUSY at once.
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DecodeReply, DecodeRequest } from './image-decode-worker.ts';
import { ImageInputError, type Crop } from './image-input.ts';
import { startTsWorker } from '../worker-thread.ts';

export interface ImageDecoderOptions {
  /** Worker threads decoding at once. */
  workers: number;
  /** Requests waiting for a worker; one more is refused (BUSY). */
  maxQueue: number;
  /** A decode (with its crop and resize) running longer is stopped (TIMEOUT). */
  timeoutMs: number;
  /** A worker's V8 heap (old generation), in MB; past it the worker dies and the request is refused (TOO_LARGE). */
  maxHeapMb: number;
  log?: Logger;
}

/** A decoded picture, cropped and resized to the model's side. */
export interface DecodedPicture {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  crop: Crop;
  /** The aligned pixels as an RGB PNG. */
  png: Buffer;
}

interface Task {
  req: Omit<DecodeRequest, 'id'>;
  resolve(p: DecodedPicture): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
}

const workerUrl = new URL('./image-decode-worker.ts', import.meta.url);

export class ImageDecoder {
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: ImageDecoderOptions) {}

  /** Decodes `bytes`, crops (`crop`, or the centre square) and resizes to side x side. Throws ImageInputError for what the picture is. */
  decode(bytes: Uint8Array, side: number, crop?: Crop | null): Promise<DecodedPicture> {
    if (this.closed) return Promise.reject(new Error('the image decoder is closed'));
    const idle = [...this.slots].some((s) => s.ready && !s.task) || this.slots.size < this.opts.workers;
    if (!idle && this.queue.length >= this.opts.maxQueue) {
      return Promise.reject(
        new ImageInputError('BUSY', 'the server is reading too many pictures right now; try again in a few seconds'),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { bytes, side, crop: crop ?? null }, resolve, reject });
      this.pump();
    });
  }

  /** Decodes running and waiting (tests and metrics). */
  stats(): { running: number; queued: number; workers: number } {
    const running = [...this.slots].filter((s) => s.task).length;
    return { running, queued: this.queue.length, workers: this.slots.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the server is stopping'));
    await Promise.all(
      [...this.slots].map((s) => {
        this.finish(s, () => s.task?.reject(new Error('the server is stopping')));
        this.slots.delete(s);
        return s.worker.terminate();
      }),
    );
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      const slot = [...this.slots].find((s) => s.ready && !s.task);
      if (!slot) {
        if (this.slots.size < this.opts.workers) this.spawn();
        return;
      }
      this.run(slot, this.queue.shift()!);
    }
  }

  private run(slot: Slot, task: Task): void {
    slot.task = task;
    const id = this.nextId++;
    slot.timer = setTimeout(() => {
      // Past the time limit: the worker is stopped mid-decode (nothing else can stop a synchronous
      // decoder) and a fresh one takes the next request.
      this.opts.log?.warn({ timeoutMs: this.opts.timeoutMs }, 'image decode over its time limit: worker replaced');
      this.finish(slot, () =>
        task.reject(
          new ImageInputError(
            'TIMEOUT',
            `the picture took longer than ${Math.round(this.opts.timeoutMs / 1000)} s to read; export it again as a plain PNG or JPEG, or smaller`,
          ),
        ),
      );
      this.retire(slot);
    }, this.opts.timeoutMs);
    slot.worker.postMessage({ id, ...task.req } satisfies DecodeRequest);
  }

  /** Ends the slot's task (once), with `settle`. */
  private finish(slot: Slot, settle: () => void): void {
    clearTimeout(slot.timer);
    if (!slot.task) return;
    settle();
    slot.task = undefined;
  }

  private retire(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    void slot.worker.terminate();
    this.pump();
  }

  private spawn(): void {
    const worker = startTsWorker(workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: this.opts.maxHeapMb },
    });
    worker.unref(); // never what keeps a process alive
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (msg: DecodeReply | 'ready') => {
      if (msg === 'ready') {
        slot.ready = true;
        this.pump();
        return;
      }
      const task = slot.task;
      if (!task) return;
      this.finish(slot, () => {
        if (msg.ok) {
          const { format, width, height, crop, png } = msg;
          task.resolve({ format, width, height, crop, png: Buffer.from(png.buffer, png.byteOffset, png.byteLength) });
        } else if (msg.kind === 'INTERNAL') task.reject(new Error(`image decoding failed: ${msg.message}`));
        else task.reject(new ImageInputError(msg.kind, msg.message));
      });
      this.pump();
    });
    worker.on('error', (err: NodeJS.ErrnoException) => {
      const task = slot.task;
      this.finish(slot, () =>
        task!.reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ImageInputError(
                'TOO_LARGE',
                'the picture needs more memory to read than this server allows; export it again smaller',
              )
            : err,
        ),
      );
      if (!slot.ready) {
        // It died loading: waiting requests would only start another that dies the same way.
        this.opts.log?.error({ err }, 'image decoder worker failed to start');
        for (const t of this.queue.splice(0))
          t.reject(new Error(`image decoder worker failed to start: ${err.message}`));
      }
    });
    worker.on('exit', () => {
      this.finish(slot, () => slot.task!.reject(new Error('image decoder worker exited')));
      this.retire(slot);
    });
  }
}
