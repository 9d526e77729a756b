// `ssg render`, `ssg sample`, `ssg bench`: run a model directory's generator
// (docs/model/network.md §5).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config.ts';
import { benchModel } from '../../inference/bench.ts';
import { DEFAULT_TRUNCATION, TRUNCATION_RANGE, truncate } from '../../inference/latent.ts';
import { latentsFromNpy, writeNpy } from '../../inference/npy.ts';
import { argmaxClasses, colourise, encodeRgb, imageToRgb } from '../../inference/png.ts';
import { ModelRuntime, type RawOutputs, type RuntimeOptions } from '../../inference/runtime.ts';
import { UsageError, stringOption, type Command, type Values } from '../args.ts';

function num(values: Values, flag: string): number | undefined {
  const v = values[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n))
    throw new UsageError(`--${flag} must be a number (got ${String(v)})`);
  return n;
}

/** --truncation PSI within TRUNCATION_RANGE (the API's range). */
function psiOption(values: Values): number | undefined {
  const psi = num(values, 'truncation');
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

export const render: Command = async ({ values }) => {
  const modelDir = stringOption(values, 'model')!;
  const latentFile = stringOption(values, 'latent')!;
  const outDir = stringOption(values, 'out')!;
  const psi = psiOption(values);
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
};

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

export const sample: Command = async ({ values }) => {
  const modelDir = stringOption(values, 'model')!;
  const seed = num(values, 'seed')!;
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  const out = stringOption(values, 'out')!;
  const psi = psiOption(values) ?? DEFAULT_TRUNCATION;
  const rt = await ModelRuntime.load(modelDir, runtimeOptions());
  try {
    const w = await rt.sample(seed, psi);
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(out, writeNpy(w, [1, rt.info.layout.nLatent, rt.info.layout.dim]));
    console.log(`wrote W+ [1, ${rt.info.layout.nLatent}, ${rt.info.layout.dim}] for seed ${seed} -> ${out}`);
  } finally {
    await rt.close();
  }
};

export const bench: Command = async ({ values }) => {
  const modelDir = stringOption(values, 'model')!;
  const batch = num(values, 'batch') ?? 1;
  const runs = num(values, 'runs') ?? 5;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(runs) || runs < 1)
    throw new UsageError('--batch and --runs must be positive integers');
  const res = await benchModel(modelDir, batch, runs, {
    threads: num(values, 'threads'),
    log: (s) => console.log(s),
    runtime: runtimeOptions(),
  });
  console.log(JSON.stringify(res));
};
