// Prometheus metrics of an ssg-studio process, served by the HTTP server at GET /metrics.
//
// - ssg_queue_depth{state}            queue entries, computed on scrape from graphile_worker.jobs
// - ssg_inference_jobs{status}        InferenceJob rows QUEUED / RUNNING, computed on scrape
// - ssg_workers_alive                 worker processes seen in the last 20 s, computed on scrape
// - ssg_job_latency_seconds{phase}    queue_wait (enqueue or retry -> picked up), run, total
// - ssg_job_outcomes_total{outcome}   succeeded / failed / retried / cancelled / released / skipped
// - ssg_render_cache_total{result}    hit (stored render reused) / shared (joined an in-flight run) / miss (model ran)
// - ssg_orphans_removed_total{kind}  source_image / render_image rows the sweeper removed (nothing used them)
// - ssg_batch_size                    images per batched model run (the runtime's batcher)
// - ssg_model_run_seconds             wall time of one batched model run
// plus prom-client's default process metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Whatever the scrape-time gauges read; set by the job queue (src/jobs/queue.ts). */
export interface QueueStats {
  /** graphile-worker entries by state: ready, scheduled (retry backoff), locked, failed. */
  queue: Record<string, number>;
  /** InferenceJob rows by status (QUEUED, RUNNING). */
  jobs: Record<string, number>;
  workersAlive: number;
}

let statsSource: (() => Promise<QueueStats>) | undefined;

/** Registers the function the scrape-time gauges call (one per process; the last one wins). */
export function setQueueStatsSource(fn: (() => Promise<QueueStats>) | undefined): void {
  statsSource = fn;
}

// One scrape reads the database once for all three gauges.
let pendingStats: Promise<QueueStats | undefined> | undefined;
function readStats(): Promise<QueueStats | undefined> {
  if (!statsSource) return Promise.resolve(undefined);
  pendingStats ??= statsSource()
    .catch(() => undefined)
    .finally(() => {
      // Let the three collect() calls of this scrape share the result, then forget it.
      setTimeout(() => (pendingStats = undefined), 50).unref();
    });
  return pendingStats;
}

export const queueDepth = new Gauge({
  name: 'ssg_queue_depth',
  help: 'Render jobs in the shared queue by state (ready to run, scheduled for a retry, locked by a worker, failed)',
  labelNames: ['state'] as const,
  registers: [registry],
  async collect() {
    const stats = await readStats();
    if (!stats) return;
    for (const state of ['ready', 'scheduled', 'locked', 'failed']) this.set({ state }, stats.queue[state] ?? 0);
  },
});

export const inferenceJobs = new Gauge({
  name: 'ssg_inference_jobs',
  help: 'InferenceJob rows that are not finished, by status',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const stats = await readStats();
    if (!stats) return;
    for (const status of ['QUEUED', 'RUNNING']) this.set({ status }, stats.jobs[status] ?? 0);
  },
});

export const workersAlive = new Gauge({
  name: 'ssg_workers_alive',
  help: 'Inference worker processes that sent a heartbeat in the last 20 seconds',
  registers: [registry],
  async collect() {
    const stats = await readStats();
    if (stats) this.set(stats.workersAlive);
  },
});

export const jobLatency = new Histogram({
  name: 'ssg_job_latency_seconds',
  help: 'Render job latency: queue_wait (enqueued or released -> picked up), run (picked up -> finished), total (created -> finished)',
  labelNames: ['phase'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

export const jobOutcomes = new Counter({
  name: 'ssg_job_outcomes_total',
  help: 'Render job attempts by outcome: succeeded, failed (for good), retried, cancelled, released (shutdown or dead worker), skipped (already finished)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const orphansRemoved = new Counter({
  name: 'ssg_orphans_removed_total',
  help: 'Stored rows nothing used any more, removed by the sweeper: source_image (imported pictures), render_image',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const renderCache = new Counter({
  name: 'ssg_render_cache_total',
  help: 'Render lookups by content address: hit (stored render reused), shared (joined an identical in-flight run), miss (the model ran)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const batchSize = new Histogram({
  name: 'ssg_batch_size',
  help: 'Images per batched model run',
  buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64],
  registers: [registry],
});

export const modelRunSeconds = new Histogram({
  name: 'ssg_model_run_seconds',
  help: 'Wall time of one batched model run',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Pass as RegistryOptions.onBatch: the runtime calls it after every batched model run. */
export function observeBatch(size: number, ms: number): void {
  batchSize.observe(size);
  modelRunSeconds.observe(ms / 1000);
}

/** GET /metrics in Prometheus' text format. */
export async function metricsHandler(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`metrics unavailable: ${(err as Error).message}\n`);
  }
}
