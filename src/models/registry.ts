// The models this process serves: the trained models shipped in the project's models/ folder,
// every model directory under SSG_MODELS_DIR, and the seeded untrained demo model when asked for
// (SSG_DEMO_MODEL=1, as the tests do) or when nothing else loads, so that a process always has one.
// Loading writes nothing: the database's catalogue of models is src/domain/model-catalogue.ts.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ModelRuntime, ensureDemoModel } from '../inference/index.ts';
import type { ModelInfo } from '../inference/types.ts';
import { modelFile } from '../inference/model-files.ts';

export const DEMO_MODEL_DIR_NAME = 'demo';

export interface RegistryOptions {
  modelsDir: string;
  /** The project's shipped models (Config.builtinModelsDir); undefined: none. */
  builtinModelsDir?: string;
  /** Build and serve the demo model even when trained models are present. */
  demoModel?: boolean;
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
  private defaultId = '';

  private constructor(private readonly opts: RegistryOptions) {}

  static async open(opts: RegistryOptions): Promise<ModelRegistry> {
    const registry = new ModelRegistry(opts);
    const demoDir = path.join(opts.modelsDir, DEMO_MODEL_DIR_NAME);
    const dirs = [
      ...(await modelDirs(opts.builtinModelsDir, opts.log)),
      ...(await modelDirs(opts.modelsDir, opts.log)),
    ].filter(
      (d) => d !== demoDir,
    );
    if (opts.demoModel || dirs.length === 0) {
      await ensureDemoModel(demoDir);
      dirs.push(demoDir);
    }
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
        // New projects get the first trained model (the shipped cartoon model), else the demo.
        if (!registry.defaultId && !runtime.info.untrained) registry.defaultId = runtime.info.id;
        opts.log.info(
          { model: runtime.info.id, dir, provider: runtime.executionProvider, untrained: runtime.info.untrained },
          `model loaded: ${runtime.info.name}`,
        );
      } catch (err) {
        // A broken extra model must not take the service down; the demo model must load.
        if (dir === demoDir) throw err;
        const e = err as NodeJS.ErrnoException;
        opts.log.error({ dir, err: e.message, code: e.code }, `model directory skipped: ${e.message}`);
      }
    }
    if (registry.byId.size === 0) {
      await ensureDemoModel(demoDir);
      throw new Error(`no model could be loaded from ${dirs.join(', ')}; see the log lines above`);
    }
    registry.defaultId ||= registry.demoId || [...registry.byId.keys()][0];
    return registry;
  }

  /** The seeded untrained demo model's id ('' when it is not served). */
  get demoModelId(): string {
    return this.demoId;
  }

  /** The model new projects use when they name none: the first trained model, else the demo. */
  get defaultModelId(): string {
    return this.defaultId;
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

/**
 * Sub-directories of `root` that may hold a model: those with a manifest.json, and those whose
 * manifest.json cannot be checked (loading them then fails and logs why). Directories without one
 * are logged as skipped for that reason; an unreadable root is logged and yields none.
 */
async function modelDirs(root: string | undefined, log: Logger): Promise<string[]> {
  if (!root) return [];
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') log.error({ dir: root, err: e.message, code: e.code }, `models directory unreadable: ${e.message}`);
    return [];
  }
  const dirs: string[] = [];
  for (const entry of entries.filter((x) => x.isDirectory())) {
    const dir = path.join(root, entry.name);
    if (entry.name === DEMO_MODEL_DIR_NAME) {
      dirs.push(dir);
      continue;
    }
    try {
      await stat(modelFile(dir, 'manifest'));
      dirs.push(dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') log.info({ dir }, 'model directory skipped: it has no manifest.json');
      else dirs.push(dir); // the load reports the real reason (permission, I/O)
    }
  }
  return dirs;
}
