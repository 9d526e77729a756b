// Prisma's schema engine, compiled to WebAssembly, driven in-process. The Prisma CLI would download
// a native engine binary at start, which is impossible offline; this is the same engine that
// `prisma migrate deploy` uses, so `_prisma_migrations` is filled exactly as the CLI would fill it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);

// The subset of the engine's API that we call (see @prisma/schema-engine-wasm's schema_engine.d.ts).
export interface WasmSchemaEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout?: string }>;
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  free(): void;
}

interface Glue {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  SchemaEngine: {
    new: (
      opts: { datamodels: [string, string][] },
      log: (msg: string) => void,
      adapter: unknown,
    ) => Promise<WasmSchemaEngine>;
  };
  [key: string]: unknown;
}

let gluePromise: Promise<Glue> | undefined;

async function loadGlue(): Promise<Glue> {
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const pkgDir = path.dirname(gluePath);
  // A Rust panic reports through this registry; without it a panic surfaces as a TypeError.
  const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
  if (!g.PRISMA_WASM_PANIC_REGISTRY) {
    let message = '';
    g.PRISMA_WASM_PANIC_REGISTRY = {
      set_message: (m: string) => {
        message = `RuntimeError: ${m}`;
      },
      get: () => message,
    };
  }
  const glue = (await import(pathToFileURL(gluePath).href)) as Glue;
  // Node 20 cannot import a .wasm module: instantiate it with the glue's exports as imports.
  const imports: Record<string, unknown> = { ...glue };
  for (const [name, fn] of Object.entries(glue)) {
    // The engine arms a 10 s timer that would keep the process alive after migrating.
    if (name.startsWith('__wbg_setTimeout_') && typeof fn === 'function') {
      imports[name] = (...args: unknown[]) => {
        const t = (fn as (...a: unknown[]) => unknown)(...args);
        (t as { unref?: () => void })?.unref?.();
        return t;
      };
    }
  }
  const bytes = await readFile(path.join(pkgDir, 'schema_engine_bg.wasm'));
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, {
    './schema_engine_bg.js': imports as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/** Opens the engine on `connectionString` with the given schema; call `close()` when done. */
export async function openSchemaEngine(
  connectionString: string,
  schemaPath: string,
  schemaText: string,
): Promise<{ engine: WasmSchemaEngine; close: () => Promise<void> }> {
  gluePromise ??= loadGlue();
  const glue = await gluePromise;
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  // The engine never disposes the connections it opens; track them so close() can, or their
  // pg pools keep the process alive.
  type Disposable = { dispose(): Promise<unknown> };
  const opened: Disposable[] = [];
  for (const method of ['connect', 'connectToShadowDb'] as const) {
    const original = factory[method].bind(factory);
    factory[method] = async () => {
      const result = await original();
      // The error-capturing wrapper answers {ok, value}; the adapter is the value.
      const adapter = (result as { ok?: boolean; value?: Disposable }).ok
        ? (result as { value: Disposable }).value
        : (result as unknown as Disposable);
      if (typeof adapter?.dispose === 'function') opened.push(adapter);
      return result;
    };
  }
  const logs: string[] = [];
  const engine = await glue.SchemaEngine.new(
    { datamodels: [[schemaPath, schemaText]] },
    (msg) => logs.push(msg),
    factory,
  );
  return {
    engine,
    close: async () => {
      engine.free();
      await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
    },
  };
}
