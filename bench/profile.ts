// Where a render's time goes, per operator: onnxruntime's own profiler over the served generator
// graph (the CPU fusion applied, as the worker runs it), at each model size.
//   node --import tsx bench/profile.ts [--sizes cartoon64,256,512] [--batch 1] [--runs 3] [--threads 2]
// Per operator type: share of the render, ms per image, and for convolutions and matrix products
// their GFLOP/s against the measured sgemm peak (peak.ts): near the peak is compute-bound, far
// below it with large tensors is memory-bound. Nodes under 20 us are counted apart: their sum is
// what the runtime spends on overhead rather than arithmetic.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { fuseNoiseForCpu } from '../src/inference/cpu-fusion.ts';
import { modelFile } from '../src/inference/model-files.ts';
import { measurePeakGflops } from '../src/inference/peak.ts';
import { ModelRuntime } from '../src/inference/runtime.ts';
import { sessionOptions } from '../src/inference/session.ts';
import { benchModelDir } from './bench-models.ts';
import { flopsOf, type NodeEvent } from './node-flops.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'cartoon64,256,512' },
    batch: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const threads = Number(values.threads);
const batch = Number(values.batch);
const runs = Number(values.runs);
/** A node shorter than this is counted as overhead (scheduling, small copies), not arithmetic. */
const SMALL_NODE_US = 20;

const peak = await measurePeakGflops(threads);
console.log(
  `${os.cpus()[0]?.model ?? 'cpu'}, ${threads} threads; measured peak ${peak.gflops.toFixed(1)} GFLOP/s (${peak.what})`,
);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-profile-'));
const summary: object[] = [];
try {
  for (const size of values.sizes!.split(',')) {
    const { dir, config } = await benchModelDir(size, tmp);
    const rt = await ModelRuntime.load(dir, { intraOpThreads: threads, lazyGenerator: true });
    const latents: Float32Array[] = [];
    for (let i = 0; i < batch; i++) latents.push(await rt.sample(1000 + i, 0.7));
    const { nLatent, dim, numComponents: K } = rt.info.layout;
    await rt.close();

    const fused = fuseNoiseForCpu(fs.readFileSync(modelFile(dir, 'generator')));
    const prefix = path.join(tmp, `profile-${size}`);
    // The served session's options (session.ts), with the profiler on.
    const session = await ort.InferenceSession.create(fused.bytes, {
      ...sessionOptions('cpu', { intraOpThreads: threads, log: () => {} }),
      enableProfiling: true,
      profileFilePrefix: prefix,
    });
    const lat = new Float32Array(batch * nLatent * dim);
    latents.forEach((l, i) => lat.set(l, i * nLatent * dim));
    const feeds = {
      latent: new ort.Tensor('float32', lat, [batch, nLatent, dim]),
      composition_mask: new ort.Tensor('float32', new Float32Array(batch * K).fill(1), [batch, K]),
    };
    await session.run(feeds); // warm-up (its events are dropped below: the first run of each node)
    const t0 = performance.now();
    for (let r = 0; r < runs; r++) await session.run(feeds);
    const wallMs = (performance.now() - t0) / runs / batch;
    session.endProfiling();
    await session.release();
    const file = fs.readdirSync(tmp).find((f) => f.startsWith(`profile-${size}`) && f.endsWith('.json'))!;
    const events = (JSON.parse(fs.readFileSync(path.join(tmp, file), 'utf8')) as NodeEvent[]).filter(
      (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
    );
    // The warm-up's events come first: keep the last `runs` runs' share.
    const perRun = events.length / (runs + 1);
    const timed = events.slice(Math.round(perRun));

    const byOp = new Map<string, { us: number; flops: number; n: number }>();
    let smallUs = 0;
    let totalUs = 0;
    for (const e of timed) {
      const op = e.args?.op_name ?? '?';
      const a = byOp.get(op) ?? { us: 0, flops: 0, n: 0 };
      a.us += e.dur;
      a.flops += flopsOf(e);
      a.n++;
      byOp.set(op, a);
      totalUs += e.dur;
      if (e.dur < SMALL_NODE_US) smallUs += e.dur;
    }
    const perImage = (us: number) => us / runs / batch / 1000;
    console.log(
      `\n${size} (${config.size} px, batch ${batch}, ${runs} runs): ${wallMs.toFixed(1)} ms/image wall, ` +
        `${perImage(totalUs).toFixed(1)} ms/image inside nodes, ${Math.round(perRun)} nodes per run; ` +
        `nodes under ${SMALL_NODE_US} us: ${((100 * smallUs) / totalUs).toFixed(1)}% of node time`,
    );
    console.log('| operator | nodes/run | share | ms/image | GFLOP/s | % of peak |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const rows = [...byOp].sort((a, b) => b[1].us - a[1].us);
    for (const [op, a] of rows.slice(0, 12)) {
      const gflops = a.flops ? a.flops / (a.us * 1e3) : 0;
      console.log(
        `| ${op} | ${Math.round(a.n / runs)} | ${((100 * a.us) / totalUs).toFixed(1)}% | ${perImage(a.us).toFixed(2)} | ` +
          `${gflops ? gflops.toFixed(1) : '-'} | ${gflops ? ((100 * gflops) / peak.gflops).toFixed(0) + '%' : '-'} |`,
      );
    }
    summary.push({
      size,
      resolution: config.size,
      batch,
      wall_ms_per_image: wallMs,
      node_ms_per_image: perImage(totalUs),
      small_node_share: smallUs / totalUs,
      peak_gflops: peak.gflops,
      ops: Object.fromEntries(
        rows.map(([op, a]) => [op, { share: a.us / totalUs, gflops: a.flops ? a.flops / (a.us * 1e3) : null }]),
      ),
    });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(summary));
