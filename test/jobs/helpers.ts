// Shared by the job tests: a migrated database with the demo model, and rows written directly
// through Prisma (the shape the domain layer writes), enqueued through ctx.jobs like the API does.
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import type { AppContext } from '../../src/context.ts';
import { openContext } from '../../src/main.ts';
import { Topics, type JobEvent } from '../../src/pubsub/types.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';

export interface JobsTestContext {
  ctx: AppContext;
  databaseUrl: string;
  config: Config;
  close(): Promise<void>;
}

export async function openJobsContext(overrides: Partial<Config> = {}): Promise<JobsTestContext> {
  const db = await testDatabase();
  const config: Config = {
    ...loadConfig({}),
    databaseUrl: db.url,
    modelsDir: TEST_MODELS_DIR,
    // The seeded demo model only, as in test/helpers/app.ts.
    builtinModelsDir: undefined,
    demoModel: true,
    logLevel: process.env.LOG_LEVEL ?? 'fatal',
    // No job rate: these drive hundreds of edits from one token (test/api/limits.test.ts tests the rate).
    limits: { ...loadConfig({}).limits, jobsPerMinute: 0 },
    ...overrides,
  };
  const opened = await openContext(config, pino({ level: config.logLevel }));
  return {
    ctx: opened.ctx,
    databaseUrl: db.url,
    config,
    async close() {
      await opened.close();
      await db.drop();
    },
  };
}

export interface FaceRows {
  workspaceId: string;
  projectId: string;
  faceId: string;
  editId: string;
  latent: Float32Array;
}

/** Workspace, project (demo model), face and its root edit with the latent of `seed`. */
export async function createFace(ctx: AppContext, seed = 1, name = `face-${seed}`): Promise<FaceRows> {
  const modelId = ctx.models.demoModelId;
  const runtime = ctx.models.get(modelId)!;
  const latent = await runtime.sample(seed, 0.7);
  const ws = await ctx.prisma.workspace.upsert({
    where: { name: 'jobs-test' },
    create: { name: 'jobs-test' },
    update: {},
  });
  const project = await ctx.prisma.project.create({ data: { workspaceId: ws.id, name: `p-${name}`, modelId } });
  const face = await ctx.prisma.face.create({ data: { projectId: project.id, name } });
  const edit = await addEdit(ctx, face.id, latent);
  return { workspaceId: ws.id, projectId: project.id, faceId: face.id, editId: edit, latent };
}

/** Appends an edit with `latent` (raw bytes allowed, for corrupt latents) and makes it the head. */
export async function addEdit(ctx: AppContext, faceId: string, latent: Float32Array | Uint8Array): Promise<string> {
  const bytes = new Uint8Array(
    latent.buffer.slice(latent.byteOffset, latent.byteOffset + latent.byteLength) as ArrayBuffer,
  );
  return ctx.prisma.$transaction(async (tx) => {
    const face = await tx.face.update({ where: { id: faceId }, data: { editCount: { increment: 1 } } });
    const edit = await tx.edit.create({
      data: {
        faceId,
        seq: face.editCount,
        parentId: face.headEditId,
        operation: face.headEditId ? 'SWAP' : 'SAMPLE',
        params: {},
        latent: bytes,
      },
    });
    await tx.face.update({ where: { id: faceId }, data: { headEditId: edit.id } });
    return edit.id;
  });
}

export interface JobSpec {
  faceId: string;
  editId: string;
  modelId?: string;
  kind?: 'RENDER_EDIT' | 'RENDER_COMPOSITION' | 'INVERT_IMAGE';
  options?: Record<string, unknown>;
  maxAttempts?: number;
}

/** Inserts an InferenceJob row and enqueues it in one transaction, as the domain layer does. */
export async function addJob(ctx: AppContext, spec: JobSpec): Promise<string> {
  return ctx.prisma.$transaction(async (tx) => {
    const job = await tx.inferenceJob.create({
      data: {
        kind: spec.kind ?? 'RENDER_EDIT',
        faceId: spec.faceId,
        editId: spec.editId,
        modelId: spec.modelId ?? ctx.models.demoModelId,
        options: (spec.options ?? {}) as object,
        ...(spec.maxAttempts ? { maxAttempts: spec.maxAttempts } : {}),
      },
    });
    await ctx.jobs.enqueue(tx, job.id);
    return job.id;
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false | null>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function jobRow(ctx: AppContext, id: string) {
  return ctx.prisma.inferenceJob.findUniqueOrThrow({ where: { id } });
}

export async function waitForStatus(ctx: AppContext, id: string, status: string | string[], timeoutMs = 30_000) {
  const wanted = Array.isArray(status) ? status : [status];
  return waitFor(
    `job ${id} to be ${wanted.join('/')}`,
    async () => {
      const j = await jobRow(ctx, id);
      return wanted.includes(j.status) ? j : undefined;
    },
    timeoutMs,
  );
}

/** Collects JOB_UPDATED statuses for a job (listening starts at once). */
export function collectJobEvents(ctx: AppContext, jobId: string): { statuses: string[]; stop(): void } {
  const it = ctx.pubsub.subscribe(Topics.JOB_UPDATED, jobId)[Symbol.asyncIterator]();
  const statuses: string[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const r = await it.next();
      if (r.done) return;
      statuses.push((r.value as JobEvent).status);
    }
  })();
  return {
    statuses,
    stop() {
      stopped = true;
      void it.return?.();
    },
  };
}

export async function queueEntry(ctx: AppContext, jobId: string) {
  const rows = await ctx.prisma.$queryRawUnsafe<
    { id: string; attempts: number; max_attempts: number; locked_by: string | null; run_at: Date }[]
  >(`SELECT id::text, attempts, max_attempts, locked_by, run_at FROM graphile_worker.jobs WHERE key = $1`, jobId);
  return rows[0];
}
