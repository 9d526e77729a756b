// onnxruntime session creation: which requested execution providers this install can run, and
// the sessions of a model directory (the CPU provider gets the fused generator, cpu-fusion.ts).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { fuseNoiseForCpu } from './cpu-fusion.ts';

export class ProviderError extends Error {
  override name = 'ProviderError';
}

export interface SessionSettings {
  intraOpThreads?: number;
  allowSpinning?: boolean;
  cpuFusion?: boolean;
  log: (msg: string, fields?: object) => void;
}

/** Providers whose native library ships separately (downloaded by onnxruntime-node's installer). */
const SEPARATE_LIBRARY: Record<string, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

let bindingDir: string | undefined;
function onnxruntimeBinDir(): string {
  if (bindingDir === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
    bindingDir = path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  }
  return bindingDir;
}

/**
 * Whether this onnxruntime-node install can run `ep`, decided without creating a session (a
 * failed attempt prints a native error dump that no log level silences).
 */
export function providerInstalled(ep: string): boolean {
  const backends = new Set(ort.listSupportedBackends().map((b) => b.name));
  if (!backends.has(ep)) return false;
  const lib = SEPARATE_LIBRARY[ep];
  return !lib || fs.existsSync(path.join(onnxruntimeBinDir(), lib));
}

let warnedFallback = false;

/**
 * The usable providers of `requested`, in order. When none is usable: strict -> ProviderError;
 * otherwise cpu, with one warning per process.
 */
export function usableProviders(
  requested: string[],
  strict: boolean,
  log: SessionSettings['log'],
  warn: SessionSettings['log'],
): string[] {
  const usable = requested.filter((ep) => {
    const ok = providerInstalled(ep);
    if (!ok) log(`execution provider ${ep} unavailable, trying the next one`, { provider: ep });
    return ok;
  });
  if (usable.length > 0) return usable;
  const wanted = requested.join(',');
  if (strict)
    throw new ProviderError(
      `none of the requested execution providers (${wanted}) is available in this onnxruntime-node install; ` +
        `install its provider libraries, or allow the cpu fallback (SSG_EXECUTION_PROVIDERS=${wanted},cpu or SSG_EXECUTION_PROVIDERS_STRICT=0)`,
    );
  if (!warnedFallback) {
    warnedFallback = true;
    warn(`WARNING: none of the requested execution providers (${wanted}) is available; running on cpu`, {
      requested,
    });
  }
  return ['cpu'];
}

export function sessionOptions(ep: string, s: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: [ep],
    ...(s.intraOpThreads ? { intraOpNumThreads: s.intraOpThreads } : {}),
    // ORT's threads spin between runs by default: fastest alone, but in a server they burn the
    // cores that PostgreSQL and the API need between renders.
    ...(s.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    // ORT prints its own error when a provider fails; the caller logs its own line instead.
    ...(ep === 'cpu' ? {} : { logSeverityLevel: 4 as const }),
  };
}

/**
 * The generator session (from the file or, for the preview graph, its bytes); on the CPU provider
 * from the FusedConv rewrite (cpu-fusion.ts).
 */
export async function createGeneratorSession(
  file: string | Uint8Array,
  ep: string,
  s: SessionSettings,
): Promise<ort.InferenceSession> {
  const so = sessionOptions(ep, s);
  if (ep === 'cpu' && s.cpuFusion !== false) {
    try {
      const r = fuseNoiseForCpu(typeof file === 'string' ? fs.readFileSync(file) : file);
      if (r.fused > 0) {
        const session = await ort.InferenceSession.create(r.bytes, so);
        s.log('generator graph fused for the cpu provider', { fused: r.fused });
        return session;
      }
    } catch (e) {
      s.log('cpu graph fusion unavailable; using generator.onnx as is', { error: (e as Error).message });
    }
  }
  // (two overloads of create: a path or the bytes)
  return typeof file === 'string' ? ort.InferenceSession.create(file, so) : ort.InferenceSession.create(file, so);
}

/** A session on the first of `providers` that accepts the file; returns it with that provider. */
export async function createFirstSession(
  providers: string[],
  create: (ep: string) => Promise<ort.InferenceSession>,
  log: SessionSettings['log'],
): Promise<{ session: ort.InferenceSession; provider: string } | undefined> {
  for (const ep of providers) {
    try {
      return { session: await create(ep), provider: ep };
    } catch (e) {
      log(`execution provider ${ep} unavailable, trying the next one`, { provider: ep, error: (e as Error).message });
    }
  }
  return undefined;
}
