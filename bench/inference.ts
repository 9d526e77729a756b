// Inference benchmark: npx tsx bench/inference.ts [--sizes cartoon64,demo,256,512] [--batches 1,8] [--runs N] [--upsample split|convtranspose|phase]
// Builds the demo model and the authors' default 256 px / 512 px configs (random weights) in a
// temp dir (a size naming a directory under models/, e.g. cartoon64, the trained model, is used as
// it is), then times the generator (loaded and warmed up first) at each batch size, FULL and
// PREVIEW quality (preview-graph.ts), with the preview's share of the full render's time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchModel } from '../src/inference/bench.ts';
import { loadConfig } from '../src/config.ts';
import { benchModelDir, type Upsample } from './bench-models.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'cartoon64,demo,256,512' },
    batches: { type: 'string', default: '1,8' },
    runs: { type: 'string' },
    threads: { type: 'string', default: '2' },
    upsample: { type: 'string', default: 'split' },
    keep: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const config = loadConfig();
// The providers `ssg bench` uses (SSG_EXECUTION_PROVIDERS), warnings on stderr.
const runtime = {
  executionProviders: config.executionProviders,
  strictProviders: config.executionProvidersStrict,
  log: (msg: string, fields?: object) => console.error(fields ? `${msg} ${JSON.stringify(fields)}` : msg),
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-bench-'));
const results: object[] = [];
try {
  for (const size of values.sizes!.split(',')) {
    const t0 = performance.now();
    const { dir, config: cfg, built } = await benchModelDir(size, tmp, values.upsample as Upsample);
    if (built) console.log(`built ${size} (${cfg.size}px) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const b of values.batches!.split(',').map(Number)) {
      const big = cfg.size >= 512;
      const runs = values.runs
        ? Number(values.runs)
        : size === 'demo' || cfg.size <= 64
          ? 20
          : big
            ? b > 1
              ? 1
              : 2
            : b > 1
              ? 2
              : 3;
      const r = await benchModel(dir, b, runs, { threads, runtime });
      results.push({ config: size, ...r });
      console.log(
        `${size.padEnd(5)} batch ${String(b).padStart(2)}: ${r.ms_per_image.toFixed(1)} ms/image, ${r.images_per_second.toFixed(2)} images/s, ` +
          `${r.gflop_per_image.toFixed(1)} GFLOP/image, ${r.gflops_per_second.toFixed(1)} GFLOP/s = ${r.percent_of_peak.toFixed(1)}% of ${r.peak_gflops} GFLOP/s peak (${r.peak_source}; ${threads} threads, ${r.execution_provider}); ` +
          `best run ${r.best_ms_per_image.toFixed(1)} ms/image = ${r.best_percent_of_peak.toFixed(1)}%; cpu/wall ${r.cpu_per_wall}; ` +
          `PREVIEW ${r.preview_side}px ${r.preview_ms_per_image.toFixed(2)} ms/image = ${(100 * r.preview_share).toFixed(1)}% of FULL`,
      );
    }
  }
} finally {
  if (!values.keep) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`models kept in ${tmp}`);
}
console.log(JSON.stringify(results));
