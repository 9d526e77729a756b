// Timing of a model directory's generator: FULL and PREVIEW renders per image, throughput and
// the share of the machine's fp32 peak (`ssg bench`, bench/inference.ts).
import os from 'node:os';
import { measurePeakGflops } from './peak.ts';
import { ModelRuntime, type RuntimeOptions } from './runtime.ts';

/**
 * The fp32 limit shares are taken of, in GFLOP/s: `stated` (--peak-gflops), else measured here
 * (peak.ts: the best sgemm rate onnxruntime reaches on these threads).
 */
export async function peakGflops(threads: number, stated?: number): Promise<{ gflops: number; source: string }> {
  if (stated !== undefined && Number.isFinite(stated) && stated > 0) return { gflops: stated, source: 'stated' };
  const m = await measurePeakGflops(threads);
  return { gflops: m.gflops, source: `measured: ${m.what}` };
}

export interface BenchResult {
  model: string;
  resolution: number;
  batch: number;
  runs: number;
  ms_per_image: number;
  images_per_second: number;
  execution_provider: string;
  gflop_per_image: number;
  gflops_per_second: number;
  peak_gflops: number;
  /** Where peak_gflops comes from: "stated", or "measured: ..." (peak.ts). */
  peak_source: string;
  percent_of_peak: number;
  threads: number;
  /** Fastest single run, per image (the least disturbed by other processes on the machine). */
  best_ms_per_image: number;
  best_percent_of_peak: number;
  /** Process CPU time / wall time over the timed runs (about `threads` when the cores were ours). */
  cpu_per_wall: number;
  /** PREVIEW quality (preview-graph.ts): ms per image, its output side, and its share of the full ms. */
  preview_ms_per_image: number;
  preview_side: number;
  preview_share: number;
}

export async function benchModel(
  modelDir: string,
  batch: number,
  runs: number,
  opts: { threads?: number; peakGflops?: number; log?: (s: string) => void; runtime?: RuntimeOptions } = {},
): Promise<BenchResult> {
  const threads = opts.threads ?? Math.min(os.availableParallelism?.() ?? os.cpus().length, 16);
  const rt = await ModelRuntime.load(modelDir, { ...opts.runtime, intraOpThreads: threads });
  try {
    const latents: Float32Array[] = [];
    for (let i = 0; i < batch; i++) latents.push(await rt.sample(1000 + i, 0.7));
    await rt.renderRaw(latents); // warm-up
    const times: number[] = [];
    const cpu0 = process.cpuUsage(),
      wall0 = performance.now();
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await rt.renderRaw(latents);
      times.push(performance.now() - t0);
      opts.log?.(`run ${r + 1}/${runs}: ${times[r].toFixed(1)} ms (batch ${batch})`);
    }
    const cpu = process.cpuUsage(cpu0),
      wall = performance.now() - wall0;
    // PREVIEW: warmed up too (the first call builds its session); more runs, they are cheap.
    const preview = await rt.renderRaw(latents, undefined, 'PREVIEW');
    const previewRuns = Math.max(runs, 5);
    const tp = performance.now();
    for (let r = 0; r < previewRuns; r++) await rt.renderRaw(latents, undefined, 'PREVIEW');
    const previewMs = (performance.now() - tp) / previewRuns / batch;
    const total = times.reduce((a, b) => a + b, 0);
    const best = Math.min(...times) / batch;
    const msPerImage = total / runs / batch;
    const gflop = (2 * rt.manifest.graph.generatorMacsPerImage) / 1e9;
    const gflops = gflop / (msPerImage / 1000);
    const { gflops: peak, source: peakSource } = await peakGflops(threads, opts.peakGflops);
    return {
      model: rt.info.name,
      resolution: rt.info.resolution,
      batch,
      runs,
      ms_per_image: round(msPerImage, 2),
      images_per_second: round(1000 / msPerImage, 2),
      execution_provider: rt.executionProvider,
      gflop_per_image: round(gflop, 2),
      gflops_per_second: round(gflops, 1),
      peak_gflops: round(peak, 1),
      peak_source: peakSource,
      percent_of_peak: round((100 * gflops) / peak, 1),
      threads,
      best_ms_per_image: round(best, 2),
      best_percent_of_peak: round((100 * gflop) / (best / 1000) / peak, 1),
      cpu_per_wall: round((cpu.user + cpu.system) / 1000 / wall, 2),
      preview_ms_per_image: round(previewMs, 2),
      preview_side: preview.size,
      preview_share: round(previewMs / msPerImage, 3),
    };
  } finally {
    await rt.close();
  }
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
