// Benchmark of the render pipeline as a client sees it: a swapComponents mutation -> jobUpdated over
// graphql-ws until SUCCEEDED -> GET of the render's image. Each latency is split into
//   queue  enqueue committed -> a worker claimed the job (database clock)
//   model  the runtime call: batch window + model run + PNG encoding (what the model costs anyway)
//   rest   everything else: GraphQL mutation, transactions, events, subscription, image download
// at 1 and 16 concurrent clients, then throughput at 16 clients with batching (SSG_MAX_BATCH 8) and
// without (maxBatch 1). Every swap takes its components from a fresh source face, so every swap
// needs a real model run (no render-cache hits).
//
// Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx bench/jobs.ts [--swaps N]
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../src/config.ts';
import { createToken } from '../src/domain/tokens.ts';
import { startWorker, type JobTiming } from '../src/jobs/worker.ts';
import { startApp } from '../src/main.ts';
import { TEST_MODELS_DIR } from '../test/helpers/app.ts';
import { createEmptyDatabase } from '../test/helpers/db.ts';

const { values } = parseArgs({
  options: { swaps: { type: 'string', default: '24' }, concurrency: { type: 'string', default: '8' } },
});
const SWAPS = Number(values.swaps);
const WORKER_CONCURRENCY = Number(values.concurrency);

interface Sample {
  totalMs: number;
  apiMs: number;
  queueMs: number;
  modelMs: number;
  restMs: number;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

/** The API on loopback with the demo model; the benchmark runs its own worker. */
function startBenchApp(dbUrl: string, overrides: Partial<Config> = {}) {
  const config: Config = {
    ...loadConfig({}),
    databaseUrl: dbUrl,
    port: 0,
    host: '127.0.0.1',
    modelsDir: TEST_MODELS_DIR,
    builtinModelsDir: undefined,
    demoModel: true,
    logLevel: 'error',
    runWorker: false,
    // No job rate: these drive hundreds of edits from one token (test/api/limits.test.ts tests the rate).
    limits: { ...loadConfig({}).limits, jobsPerMinute: 0 },
    ...overrides,
  };
  return startApp(config, pino({ level: 'error' }));
}

async function scenario(dbUrl: string, maxBatch: number, clients: number, swapsPerClient: number) {
  const app = await startBenchApp(dbUrl, { maxBatch });
  const timings = new Map<string, JobTiming>();
  const waiters = new Map<string, () => void>();
  const worker = await startWorker(app.ctx, {
    concurrency: WORKER_CONCURRENCY,
    onJobDone: (t) => {
      timings.set(t.jobId, t);
      waiters.get(t.jobId)?.();
    },
  });
  const runtime = app.ctx.models.get(app.ctx.models.demoModelId)!;
  const { token } = await createToken(app.ctx.prisma, `bench-${maxBatch}-${clients}-${Date.now()}`);
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const untilDone = (c: Client, jobId: string) =>
    new Promise<string>((resolve, reject) => {
      let imageUrl = '';
      const stop = c.subscribe<{
        jobUpdated: { status: string; error: string | null; render: { imageUrl: string } | null };
      }>(
        {
          query: `subscription($id: ID!) { jobUpdated(id: $id) { status error render { imageUrl } } }`,
          variables: { id: jobId },
        },
        {
          next: (m) => {
            const j = m.data?.jobUpdated;
            if (j?.status === 'SUCCEEDED') imageUrl = j.render!.imageUrl;
            else if (j && ['FAILED', 'CANCELLED'].includes(j.status))
              reject(new Error(`job ${jobId} ${j.status}: ${j.error}`));
          },
          error: reject,
          complete: () => {
            stop();
            if (imageUrl) resolve(imageUrl);
            else reject(new Error(`job ${jobId} subscription ended without a render`));
          },
        },
      );
    });

  const { createProject } = await gql(`mutation { createProject(input: {name: "bench"}) { id } }`);
  // Per client: a target face and one fresh source face per swap (renders of the setup excluded).
  const setupJobs: string[] = [];
  const newFace = async (name: string, seed: number) => {
    const { createFace } = await gql(
      `mutation($p: ID!, $n: String!, $s: Int) { createFace(input: {projectId: $p, name: $n, seed: $s}) { face { id } job { id } } }`,
      { p: createProject.id, n: name, s: seed },
    );
    setupJobs.push(createFace.job.id);
    return createFace.face.id as string;
  };
  let seed = maxBatch * 100_000 + clients * 1000;
  const plans = [];
  for (let c = 0; c < clients; c++) {
    const target = await newFace(`t${c}`, seed++);
    const sources = [];
    for (let i = 0; i < swapsPerClient; i++) sources.push(await newFace(`s${c}-${i}`, seed++));
    plans.push({ target, sources });
  }
  const setupDone = async () => {
    for (;;) {
      const n = await app.ctx.prisma.inferenceJob.count({
        where: { id: { in: setupJobs }, status: { not: 'SUCCEEDED' } },
      });
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await setupDone();

  const samples: Sample[] = [];
  const wsClients = plans.map(() =>
    createClient({
      url: app.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
    }),
  );
  const images0 = runtime.stats.images;
  const batches0 = runtime.stats.batches;
  const t0 = performance.now();
  await Promise.all(
    plans.map(async (plan, c) => {
      for (const source of plan.sources) {
        const start = performance.now();
        const { swapComponents } = await gql(
          `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair", "eyes"], part: BOTH}) { job { id } } }`,
          { t: plan.target, s: source },
        );
        const apiMs = performance.now() - start;
        const jobId: string = swapComponents.job.id;
        const imageUrl = await untilDone(wsClients[c]!, jobId);
        const img = await fetch(new URL(imageUrl, app.url), { headers: { authorization: `Bearer ${token}` } });
        if (img.status !== 200) throw new Error(`GET ${imageUrl}: ${img.status}`);
        await img.arrayBuffer();
        const totalMs = performance.now() - start;
        if (!timings.has(jobId)) await new Promise<void>((r) => waiters.set(jobId, r));
        const t = timings.get(jobId)!;
        if (t.render !== 'miss') throw new Error(`swap ${jobId} was a cache ${t.render}; the bench wants model runs`);
        samples.push({
          totalMs,
          apiMs,
          queueMs: t.queueWaitMs,
          modelMs: t.renderMs,
          restMs: totalMs - t.queueWaitMs - t.renderMs,
        });
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const images = runtime.stats.images - images0;
  const batches = runtime.stats.batches - batches0;
  await Promise.all(wsClients.map((c) => c.dispose()));
  await worker.stop();
  await app.stop();
  return { samples, wallS, images, batches };
}

/**
 * The job system alone (no GraphQL): InferenceJob insert + enqueue in one transaction, then the
 * JOB_UPDATED SUCCEEDED event back through LISTEN/NOTIFY. Splits the worker's own overhead.
 */
async function directScenario(dbUrl: string, n: number) {
  const app = await startBenchApp(dbUrl);
  const { ctx } = app;
  const timings = new Map<string, JobTiming>();
  const worker = await startWorker(ctx, { concurrency: WORKER_CONCURRENCY, onJobDone: (t) => timings.set(t.jobId, t) });
  const runtime = ctx.models.get(ctx.models.demoModelId)!;
  const ws = await ctx.prisma.workspace.create({ data: { name: `bench-direct-${Date.now()}` } });
  const project = await ctx.prisma.project.create({
    data: { workspaceId: ws.id, name: 'direct', modelId: runtime.info.id },
  });
  const face = await ctx.prisma.face.create({ data: { projectId: project.id, name: 'direct' } });
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < n + 3; i++) {
    const latent = await runtime.sample(500_000 + i, 0.7);
    const edit = await ctx.prisma.edit.create({
      data: {
        faceId: face.id,
        seq: i + 1,
        operation: 'SAMPLE',
        params: {},
        latent: new Uint8Array(latent.buffer as ArrayBuffer),
      },
    });
    const t0 = performance.now();
    const jobId = await ctx.prisma.$transaction(async (tx) => {
      const job = await tx.inferenceJob.create({
        data: { kind: 'RENDER_EDIT', faceId: face.id, editId: edit.id, modelId: runtime.info.id, options: {} },
      });
      await ctx.jobs.enqueue(tx, job.id);
      return job.id;
    });
    const committed = performance.now();
    // The client's view: the SUCCEEDED event, through PostgreSQL.
    for await (const ev of ctx.pubsub.subscribe('JOB_UPDATED', jobId)) {
      if ((ev as { status: string }).status === 'SUCCEEDED') break;
    }
    const heard = performance.now();
    while (!timings.has(jobId)) await new Promise((r) => setImmediate(r)); // NOTIFY can beat the callback
    const t = timings.get(jobId)!;
    if (i < 3) continue; // warm-up
    const finished = t.pickedAt + t.runMs;
    rows.push({
      enqueueTx: committed - t0,
      commitToPick: t.pickedAt - committed,
      claim: t.claimedAt - t.pickedAt,
      model: t.renderMs,
      // The cache lookup rides on the claim; the Render is stored with the final status write.
      lookup: t.renderedAt - t.claimedAt - t.renderMs,
      storeAndFinish: finished - t.renderedAt,
      eventDelivery: heard - finished,
      overhead: heard - t0 - t.renderMs,
    });
  }
  await worker.stop();
  await app.stop();
  console.log(`\n## job system alone (direct enqueue, no GraphQL), 1 client, ${rows.length} jobs: p50 / p90 ms`);
  for (const k of Object.keys(rows[0]!)) {
    const xs = rows.map((r) => r[k]!);
    console.log(`  ${k.padEnd(15)} ${pct(xs, 50).toFixed(2).padStart(8)} ${pct(xs, 90).toFixed(2).padStart(8)}`);
  }
  return {
    label: 'direct enqueue',
    p50_overhead_ms: pct(
      rows.map((r) => r.overhead!),
      50,
    ),
    p50_commit_to_pick_ms: pct(
      rows.map((r) => r.commitToPick!),
      50,
    ),
    p50_model_ms: pct(
      rows.map((r) => r.model!),
      50,
    ),
  };
}

function report(label: string, r: Awaited<ReturnType<typeof scenario>>) {
  const col = (k: keyof Sample) => r.samples.map((s) => s[k]);
  const row = (k: keyof Sample) =>
    `${k.padEnd(7)} p50 ${pct(col(k), 50).toFixed(1).padStart(7)}  p90 ${pct(col(k), 90).toFixed(1).padStart(7)}`;
  const overhead = r.samples.map((s) => s.totalMs - s.modelMs);
  console.log(
    `\n## ${label}: ${r.samples.length} swaps in ${r.wallS.toFixed(2)} s = ${(r.samples.length / r.wallS).toFixed(1)} renders/s; ${r.images} images in ${r.batches} model runs (mean batch ${(r.images / r.batches).toFixed(2)})`,
  );
  for (const k of ['totalMs', 'apiMs', 'queueMs', 'modelMs', 'restMs'] as const) console.log(`  ${row(k)} ms`);
  console.log(
    `  queue+API overhead (total - model) p50 ${pct(overhead, 50).toFixed(1)} ms, p90 ${pct(overhead, 90).toFixed(1)} ms`,
  );
  return {
    label,
    renders_per_s: r.samples.length / r.wallS,
    mean_batch: r.images / r.batches,
    p50_total_ms: pct(col('totalMs'), 50),
    p50_model_ms: pct(col('modelMs'), 50),
    p50_queue_ms: pct(col('queueMs'), 50),
    p50_overhead_ms: pct(overhead, 50),
  };
}

const db = await createEmptyDatabase('ssg_bench');
try {
  console.log(
    `bench/jobs.ts: demo model, worker concurrency ${WORKER_CONCURRENCY}, ${SWAPS} swaps per client, node ${process.version}`,
  );
  const results: object[] = [];
  results.push(await directScenario(db.url, SWAPS * 2));
  results.push(report('1 client, batching (maxBatch 8)', await scenario(db.url, 8, 1, SWAPS)));
  results.push(report('16 clients, batching (maxBatch 8)', await scenario(db.url, 8, 16, SWAPS)));
  results.push(report('16 clients, no batching (maxBatch 1)', await scenario(db.url, 1, 16, SWAPS)));
  results.push(report('1 client, no batching (maxBatch 1)', await scenario(db.url, 1, 1, SWAPS)));
  console.log(JSON.stringify(results));
} finally {
  await db.drop();
}
process.exit(0);
