// Coalesces concurrent single renders into batched model runs. The first request waits up to
// `windowMs` for company; a full batch goes at once; requests that queue during a run go next,
// without another wait. Only requests of one kind (rows per latent, quality) share a run.
import { type RawOutputs, sliceRaw } from './raw-outputs.ts';
import type { RenderQuality } from './types.ts';

/** One checked request: its latent, rows per latent (W+ or expanded) and composition mask. */
export interface BatchItem {
  latent: Float32Array;
  rows: number;
  quality: RenderQuality;
  mask: Float32Array;
}

/** Runs one batch of items of the same kind; the outputs are batch-major, in the items' order. */
export type RunBatch = (
  latents: Float32Array[],
  rows: number,
  masks: Float32Array[],
  quality: RenderQuality,
) => Promise<RawOutputs>;

interface Pending extends BatchItem {
  resolve: (r: RawOutputs) => void;
  reject: (e: unknown) => void;
}

export class RenderBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;
  private readonly maxBatch: number;
  private readonly windowMs: number;

  constructor(
    private readonly runBatch: RunBatch,
    opts: { maxBatch?: number; windowMs?: number },
  ) {
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
    this.windowMs = Math.max(0, opts.windowMs ?? 3);
  }

  /** The raw outputs of this item alone, run with whatever else is queued of its kind. */
  submit(item: BatchItem): Promise<RawOutputs> {
    if (this.closed) return Promise.reject(new Error('model runtime is closed'));
    return new Promise<RawOutputs>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.maxBatch || this.windowMs === 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.windowMs);
    }
  }

  private async flush(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const { rows, quality } = this.queue[0];
    const batch: Pending[] = [],
      rest: Pending[] = [];
    for (const p of this.queue)
      (p.rows === rows && p.quality === quality && batch.length < this.maxBatch ? batch : rest).push(p);
    this.queue = rest;
    try {
      const raw = await this.runBatch(
        batch.map((p) => p.latent),
        rows,
        batch.map((p) => p.mask),
        quality,
      );
      batch.forEach((p, i) => p.resolve(sliceRaw(raw, i)));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.running = false;
      if (this.queue.length > 0) void this.flush();
    }
  }

  /** Refuses new requests, waits for the running batch, and rejects what is still queued. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    for (const p of this.queue.splice(0)) p.reject(new Error('model runtime is closed'));
  }
}
