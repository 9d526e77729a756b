// CLI command implementations (shared/spec/model.md §5). Each takes the arguments after the
// command name (string[]) or an already-parsed object.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importCheckpoint } from './checkpoint.ts';
import { buildDemoModel } from './demo.ts';
import { latentsFromNpy, writeNpy } from './npy.ts';
import { DEFAULT_TRUNCATION, TRUNCATION_RANGE, truncate } from './latent.ts';
import { loadConfig } from '../config.ts';
import { ModelRuntime, type RawOutputs, type RuntimeOptions } from './runtime.ts';
import { argmaxClasses, colourise, encodeRgb, imageToRgb } from './png.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Args = string[] | Record<string, unknown>;
type Opts = Record<string, { type: 'string' | 'boolean' }>;

function parse(
  args: Args,
  options: Opts,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  if (!Array.isArray(args)) {
    const { _: pos, ...values } = args as { _?: string[] } & Record<string, string | boolean | undefined>;
    return { values, positionals: pos ?? [] };
  }
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`);
  }
}

function req(v: string | boolean | undefined, name: string, usage: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}\nusage: ${usage}`);
  return v;
}

function num(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n))
    throw new UsageError(`--${name} must be a number (got ${String(v)})`);
  return n;
}

/** --truncation PSI within TRUNCATION_RANGE (the API's range). */
function psiArg(v: string | boolean | undefined): number | undefined {
  const psi = num(v, 'truncation');
  const [lo, hi] = TRUNCATION_RANGE;
  if (psi !== undefined && !(psi >= lo && psi <= hi))
    throw new UsageError(`--truncation must be in [${lo}, ${hi}] (got ${psi})`);
  return psi;
}

const logStderr = (msg: string, fields?: object) => console.error(fields ? `${msg} ${JSON.stringify(fields)}` : msg);

/** Runtime options of the model commands: providers from the process config (src/config.ts). */
function runtimeOptions(): RuntimeOptions {
  const config = loadConfig();
  return {
    executionProviders: config.executionProviders,
    strictProviders: config.executionProvidersStrict,
    log: logStderr,
  };
}

export async function importCheckpointCommand(args: Args): Promise<void> {
  const usage = 'ssg import-checkpoint FILE.pt --out DIR [--name NAME] [--force]';
  const { values, positionals } = parse(
    args,
    { out: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean' } },
    usage,
  );
  const file = positionals[0] ?? (values.file as string | undefined);
  if (!file) throw new UsageError(`missing FILE.pt\nusage: ${usage}`);
  const out = req(values.out, 'out', usage);
  const name = values.name === undefined ? undefined : req(values.name, 'name', usage);
  const { manifest, defaulted } = await importCheckpoint(file, out, { name, force: values.force === true });
  for (const d of defaulted)
    console.log(`args.${d.field} missing: using the authors' train.py default ${JSON.stringify(d.value)}`);
  console.log(`imported ${file} -> ${out} (${manifest.name}, ${manifest.components.length} classes)`);
}

export async function buildDemoModelCommand(args: Args): Promise<void> {
  const usage = 'ssg build-demo-model --out DIR';
  const { values } = parse(args, { out: { type: 'string' } }, usage);
  const out = req(values.out, 'out', usage);
  await buildDemoModel(out);
  console.log(`wrote demo model (untrained) -> ${out}`);
}

export async function renderCommand(args: Args): Promise<void> {
  const usage = 'ssg render --model DIR --latent W.npy --out DIR [--truncation PSI] [--npy]';
  const { values } = parse(
    args,
    {
      model: { type: 'string' },
      latent: { type: 'string' },
      out: { type: 'string' },
      truncation: { type: 'string' },
      npy: { type: 'boolean' },
    },
    usage,
  );
  const modelDir = req(values.model, 'model', usage);
  const latentFile = req(values.latent, 'latent', usage);
  const outDir = req(values.out, 'out', usage);
  const psi = psiArg(values.truncation);
  const rt = await ModelRuntime.load(modelDir, runtimeOptions());
  try {
    const lat = latentsFromNpy(fs.readFileSync(latentFile), rt.info.layout, rt.expandedRows);
    const D = lat.dim,
      n = lat.rows * D;
    const latents: Float32Array[] = [];
    for (let b = 0; b < lat.batch; b++) {
      let l: Float32Array = lat.data.slice(b * n, (b + 1) * n);
      if (psi !== undefined) l = truncate(l, rt.wAvg, psi);
      latents.push(l);
    }
    const raw = await renderAll(rt, latents);
    fs.mkdirSync(outDir, { recursive: true });
    const H = raw.size,
      K = raw.numComponents,
      S = raw.coarseSize,
      P = H * H;
    const colours = rt.info.components.map((c) => c.color);
    for (let b = 0; b < raw.batch; b++) {
      const suffix = raw.batch === 1 ? '' : `_${b}`;
      fs.writeFileSync(
        path.join(outDir, `image${suffix}.png`),
        encodeRgb(H, H, imageToRgb(raw.image, b * 3 * P, H, H)),
      );
      fs.writeFileSync(
        path.join(outDir, `segmentation${suffix}.png`),
        encodeRgb(H, H, colourise(argmaxClasses(raw.segmentation, b * K * P, K, P), colours)),
      );
    }
    if (values.npy) {
      fs.writeFileSync(path.join(outDir, 'image.npy'), writeNpy(raw.image, [raw.batch, 3, H, H]));
      fs.writeFileSync(path.join(outDir, 'segmentation.npy'), writeNpy(raw.segmentation, [raw.batch, K, H, H]));
      fs.writeFileSync(path.join(outDir, 'coarse.npy'), writeNpy(raw.coarse, [raw.batch, K, S, S]));
      fs.writeFileSync(path.join(outDir, 'depth.npy'), writeNpy(raw.depth, [raw.batch, K, S, S]));
    }
    console.log(
      `rendered ${raw.batch} latent(s) with ${rt.info.name}${rt.info.untrained ? ' [UNTRAINED demo model]' : ''} -> ${outDir}`,
    );
  } finally {
    await rt.close();
  }
}

/** Renders any number of latents in chunks of 8, concatenating the raw outputs. */
async function renderAll(rt: ModelRuntime, latents: Float32Array[]) {
  const parts: RawOutputs[] = [];
  for (let i = 0; i < latents.length; i += 8) parts.push(await rt.renderRaw(latents.slice(i, i + 8)));
  if (parts.length === 1) return parts[0];
  const cat = (k: 'image' | 'segmentation' | 'coarse' | 'depth') => {
    const out = new Float32Array(parts.reduce((a, p) => a + p[k].length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p[k], o);
      o += p[k].length;
    }
    return out;
  };
  return {
    ...parts[0],
    batch: latents.length,
    image: cat('image'),
    segmentation: cat('segmentation'),
    coarse: cat('coarse'),
    depth: cat('depth'),
  };
}

export async function sampleCommand(args: Args): Promise<void> {
  const usage = `ssg sample --model DIR --seed N [--truncation PSI (default ${DEFAULT_TRUNCATION}, as the API)] --out W.npy`;
  const { values } = parse(
    args,
    { model: { type: 'string' }, seed: { type: 'string' }, truncation: { type: 'string' }, out: { type: 'string' } },
    usage,
  );
  const modelDir = req(values.model, 'model', usage);
  const seed = num(req(values.seed, 'seed', usage), 'seed')!;
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  const out = req(values.out, 'out', usage);
  const psi = psiArg(values.truncation) ?? DEFAULT_TRUNCATION;
  const rt = await ModelRuntime.load(modelDir, runtimeOptions());
  try {
    const w = await rt.sample(seed, psi);
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, writeNpy(w, [1, rt.info.layout.nLatent, rt.info.layout.dim]));
    console.log(`wrote W+ [1, ${rt.info.layout.nLatent}, ${rt.info.layout.dim}] for seed ${seed} -> ${out}`);
  } finally {
    await rt.close();
  }
}

/** fp32 peak of this machine in GFLOP/s: `stated` (--peak-gflops), else cores x 3.65 GHz x 32 FLOP/cycle (Zen 4). */
export function peakGflops(threads: number, stated?: number): number {
  if (stated !== undefined && Number.isFinite(stated) && stated > 0) return stated;
  return threads * 3.65 * 32;
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
  opts: { threads?: number; peakGflops?: number; log?: (s: string) => void } = {},
): Promise<BenchResult> {
  const threads = opts.threads ?? Math.min(os.availableParallelism?.() ?? os.cpus().length, 16);
  const rt = await ModelRuntime.load(modelDir, { ...runtimeOptions(), intraOpThreads: threads });
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
    const peak = peakGflops(threads, opts.peakGflops);
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

export async function benchCommand(args: Args): Promise<void> {
  const usage = 'ssg bench --model DIR [--batch B] [--runs N] [--threads T] [--peak-gflops G]';
  const { values } = parse(
    args,
    {
      model: { type: 'string' },
      batch: { type: 'string' },
      runs: { type: 'string' },
      threads: { type: 'string' },
      'peak-gflops': { type: 'string' },
    },
    usage,
  );
  const modelDir = req(values.model, 'model', usage);
  const batch = num(values.batch, 'batch') ?? 1;
  const runs = num(values.runs, 'runs') ?? 5;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(runs) || runs < 1)
    throw new UsageError('--batch and --runs must be positive integers');
  const res = await benchModel(modelDir, batch, runs, {
    threads: num(values.threads, 'threads'),
    peakGflops: num(values['peak-gflops'], 'peak-gflops'),
    log: (s) => console.log(s),
  });
  console.log(JSON.stringify(res));
}
