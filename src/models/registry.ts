// The models this process serves: the demo model (always present, built on first start) plus every
// model directory under SSG_MODELS_DIR. Each is loaded once and recorded in the GenerativeModel
// table so that projects can refer to it by id from any process.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.ts';
import { ModelRuntime, ensureDemoModel } from '../inference/index.ts';
import type { ModelInfo } from '../inference/types.ts';

export const DEMO_MODEL_DIR_NAME = 'demo';

export interface RegistryOptions {
  modelsDir: string;
  executionProviders: string[];
  /** Config.executionProvidersStrict: refuse to load when none of executionProviders is installed. */
  executionProvidersStrict?: boolean;
  /** false: this process never renders (API without a worker), so generator sessions are made on first use. */
  renders?: boolean;
  batchWindowMs: number;
  maxBatch: number;
  log: Logger;
  /** Called after every batched model run (metrics). */
  onBatch?: (size: number, ms: number) => void;
}

export class ModelRegistry {
  private readonly byId = new Map<string, ModelRuntime>();
  private demoId = '';

  private constructor(private readonly opts: RegistryOptions) {}

  static async open(prisma: PrismaClient, opts: RegistryOptions): Promise<ModelRegistry> {
    const registry = new ModelRegistry(opts);
    const demoDir = path.join(opts.modelsDir, DEMO_MODEL_DIR_NAME);
    await ensureDemoModel(demoDir);
    const dirs = (await readdir(opts.modelsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => path.join(opts.modelsDir, e.name));
    for (const dir of dirs) {
      try {
        const runtime = await ModelRuntime.load(dir, {
          executionProviders: opts.executionProviders,
          strictProviders: opts.executionProvidersStrict,
          lazyGenerator: opts.renders === false,
          warn: (msg, fields) => opts.log.warn(fields ?? {}, msg),
          batchWindowMs: opts.batchWindowMs,
          maxBatch: opts.maxBatch,
          onBatch: opts.onBatch,
          // A server shares its cores with PostgreSQL and the API: ORT's threads sleep between runs
          // (bench/jobs.ts, 16 clients: 28-34 renders/s against 26-28 with spinning).
          allowSpinning: false,
          log: (msg, fields) => opts.log.info(fields ?? {}, msg),
        });
        registry.byId.set(runtime.info.id, runtime);
        if (dir === demoDir) registry.demoId = runtime.info.id;
        opts.log.info(
          { model: runtime.info.id, dir, provider: runtime.executionProvider, untrained: runtime.info.untrained },
          `model loaded: ${runtime.info.name}`,
        );
      } catch (err) {
        // A broken extra model must not take the service down; the demo model must load.
        if (dir === demoDir) throw err;
        opts.log.error({ dir, err: (err as Error).message }, 'model directory skipped');
      }
    }
    for (const runtime of registry.byId.values()) {
      const { info } = runtime;
      const data = {
        name: info.name,
        resolution: info.resolution,
        untrained: info.untrained,
        manifest: JSON.parse(JSON.stringify(info)),
      };
      await prisma.generativeModel.upsert({ where: { id: info.id }, create: { id: info.id, ...data }, update: data });
    }
    return registry;
  }

  get demoModelId(): string {
    return this.demoId;
  }

  list(): ModelInfo[] {
    return [...this.byId.values()].map((r) => r.info);
  }

  /** The loaded runtime for a model id, or undefined when this process does not serve it. */
  get(id: string): ModelRuntime | undefined {
    return this.byId.get(id);
  }

  async close(): Promise<void> {
    await Promise.all([...this.byId.values()].map((r) => r.close()));
  }
}
