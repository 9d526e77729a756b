// Every setting ssg-studio reads from the environment, in one place (the README lists them).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

export interface Config {
  /** DATABASE_URL; when absent an embedded PostgreSQL is started with its data in `dataDir`. */
  databaseUrl: string | undefined;
  /** SSG_DATA_DIR (default ./.ssg): embedded database, demo model. */
  dataDir: string;
  /** PORT (default 4000). */
  port: number;
  /** HOST (default 0.0.0.0). */
  host: string;
  /** SSG_MODELS_DIR (default <dataDir>/models): every sub-directory with a manifest.json is loaded. */
  modelsDir: string;
  /**
   * SSG_BUILTIN_MODELS_DIR (default <project>/models; "none" disables): the trained models shipped
   * with the project; a trained one found there is the default model of new projects.
   */
  builtinModelsDir: string | undefined;
  /** SSG_DEMO_MODEL (default 0): also build and serve the seeded untrained demo model (tests use it). */
  demoModel: boolean;
  /** SSG_WORKER (default 1): run an inference worker inside the API process. */
  runWorker: boolean;
  /** SSG_WORKER_CONCURRENCY (default 8): jobs a worker runs at once (they batch together). */
  workerConcurrency: number;
  /** SSG_TEST_JOB_DELAY_MS (default 0; tests only): a worker holds each job this long before running it. */
  testJobDelayMs: number;
  /** SSG_EXECUTION_PROVIDERS (default cpu): onnxruntime execution providers in order, e.g. cuda,cpu. */
  executionProviders: string[];
  /** SSG_EXECUTION_PROVIDERS_STRICT (default 0): 1 = refuse to start when none of them is installed, 0 = warn once and use cpu. */
  executionProvidersStrict: boolean;
  /** SSG_BATCH_WINDOW_MS (default 3): how long the runtime waits to coalesce renders into a batch. */
  batchWindowMs: number;
  /** SSG_MAX_BATCH (default 8). */
  maxBatch: number;
  /** LOG_LEVEL (default info). */
  logLevel: string;
  /** SSG_CORS_ORIGINS (default *): allowed origins; Figma's plugin iframe has origin "null". */
  corsOrigins: string[];
  /**
   * SSG_URL_SECRET (default: random for each process): the HMAC key of signed render URLs. Set the
   * same value on every API process behind one address, so a URL one signs another accepts.
   */
  urlSecret: string;
  /** SSG_SIGNED_URL_TTL_S (default 900): how long a signed render URL stays valid, in seconds. */
  signedUrlTtlS: number;
  /** SSG_REQUEST_TIMEOUT_MS (default 30000): a whole request (headers and body) must arrive within it, or 408. */
  requestTimeoutMs: number;
  /** SSG_BODY_TIMEOUT_MS (default 10000): an authenticated request's body must arrive within it, or 408. */
  bodyTimeoutMs: number;
  /** SSG_WS_MAX_OPERATIONS (default 100): operations (subscriptions) running at once on one WebSocket. */
  wsMaxOperationsPerSocket: number;
  /** SSG_WS_MAX_SOCKETS_PER_TOKEN (default 20): open WebSockets of one token in one process. */
  wsMaxSocketsPerToken: number;
  /** SSG_WS_AUTH_RECHECK_MS (default 5000): how often open WebSockets re-check their token (revocation closes them at once). */
  wsAuthRecheckMs: number;
  /** SSG_METRICS_PORT (default off): serve /metrics on this port alone (0 = any free port). */
  metricsPort: number | undefined;
  /** SSG_METRICS_TOKEN (default off): /metrics on the main port for `Authorization: Bearer <this>`. Neither set: no /metrics. */
  metricsToken: string | undefined;
  /**
   * SSG_TRUSTED_PROXIES (default none): IPs and CIDRs (10.0.0.0/8, ::1) whose X-Forwarded-Host and
   * X-Forwarded-Proto are believed; from anyone else the Host header and the socket's protocol are used.
   */
  trustedProxies: string[];
  /** Per-request limits and per-token quotas (HTTP and WebSocket alike). */
  limits: LimitsConfig;
  /** importImage's decoding, in worker threads off the event loop (src/inference/image-decoder.ts). */
  imageDecode: ImageDecodeConfig;
}

export interface ImageDecodeConfig {
  /** SSG_IMAGE_DECODERS (default 1): worker threads decoding pictures at once, per API process. */
  workers: number;
  /** SSG_IMAGE_DECODE_QUEUE (default 4): pictures waiting for a decoder; more are refused (IMAGE_DECODER_BUSY). */
  maxQueue: number;
  /** SSG_IMAGE_DECODE_TIMEOUT_MS (default 30000): a decode running longer is stopped (IMAGE_DECODE_TIMEOUT). */
  timeoutMs: number;
  /** SSG_IMAGE_DECODE_HEAP_MB (default 768): a decoder's JavaScript heap; past it the picture is refused (UPLOAD_TOO_LARGE). */
  maxHeapMb: number;
}

export interface LimitsConfig {
  /** SSG_MAX_QUERY_TOKENS (default 4000): tokens of one GraphQL document; past it parsing stops (the standard introspection query is under 200). */
  maxTokens: number;
  /** SSG_MAX_QUERY_DEPTH (default 12): field nesting of one operation (introspection excluded). */
  maxDepth: number;
  /** SSG_MAX_QUERY_COST (default 20000): cost units of one operation (src/resolvers/limits.ts says how fields cost). */
  maxCost: number;
  /** SSG_MAX_COST_NODES (default 50000): selections the cost evaluation visits before refusing the document. */
  maxNodes: number;
  /** SSG_MAX_MUTATIONS (default 20): root mutation fields (aliases included) in one request. */
  maxMutationFields: number;
  /** SSG_MAX_RESPONSE_BYTES (default 8388608 = 8 MiB): serialized size of one result. */
  maxResponseBytes: number;
  /** SSG_JOB_RATE_PER_MINUTE (default 120): jobs a token may queue per minute, sustained (0 = no limit). */
  jobsPerMinute: number;
  /** SSG_JOB_BURST (default 60): jobs a token may queue at once after being idle (the bucket's size). */
  jobBurst: number;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name}=${raw} is not a whole number >= ${min}; fix or unset ${name}`);
  }
  return n;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true'].includes(raw)) return true;
  if (['0', 'false'].includes(raw)) return false;
  throw new ConfigError(`${name}=${env[name]} must be 1 or 0`);
}

/** "a, b" -> ['a', 'b'] (empty entries dropped). */
function listFrom(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A list of IPs and CIDRs; throws ConfigError naming the first entry that is neither. */
export function parseTrustedProxies(value: string | undefined): string[] {
  const list = listFrom(value);
  for (const entry of list) {
    const [ip, bits, extra] = entry.split('/');
    const family = net.isIP(ip ?? '');
    const max = family === 4 ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!family || !okBits || extra !== undefined) {
      throw new ConfigError(
        `SSG_TRUSTED_PROXIES entry "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, ::1)`,
      );
    }
  }
  return list;
}

/** "cuda, cpu" -> ['cuda', 'cpu']; undefined when unset or empty. */
export function parseExecutionProviders(value: string | undefined): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return list.length ? list : undefined;
}

function metricsPort(env: NodeJS.ProcessEnv): number | undefined {
  if (!env.SSG_METRICS_PORT) return undefined;
  const port = intFrom(env, 'SSG_METRICS_PORT', 0);
  if (port > 65535)
    throw new ConfigError(`SSG_METRICS_PORT=${port} is not a TCP port; use 1-65535 (0 = any free port)`);
  return port;
}

/**
 * SSG_PYTHON (default Debian's /usr/bin/python3, else python3 on PATH): the interpreter with torch
 * that the training commands run. The first python3 on PATH (pyenv, a venv) often lacks it.
 */
export function pythonInterpreter(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SSG_PYTHON) return env.SSG_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const dataDir = path.resolve(cwd, env.SSG_DATA_DIR || '.ssg');
  const port = intFrom(env, 'PORT', 4000);
  if (port > 65535) throw new ConfigError(`PORT=${port} is not a TCP port; use 1-65535 (0 = any free port)`);
  const workerFlag = env.SSG_WORKER ?? '1';
  if (!['0', '1', 'true', 'false'].includes(workerFlag)) {
    throw new ConfigError(`SSG_WORKER=${workerFlag} must be 1 or 0`);
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    port,
    host: env.HOST || '0.0.0.0',
    modelsDir: path.resolve(cwd, env.SSG_MODELS_DIR || path.join(dataDir, 'models')),
    builtinModelsDir:
      env.SSG_BUILTIN_MODELS_DIR === 'none'
        ? undefined
        : path.resolve(cwd, env.SSG_BUILTIN_MODELS_DIR || path.join(PROJECT_ROOT, 'models')),
    demoModel: flag(env, 'SSG_DEMO_MODEL', false),
    runWorker: workerFlag === '1' || workerFlag === 'true',
    workerConcurrency: intFrom(env, 'SSG_WORKER_CONCURRENCY', 8, 1),
    testJobDelayMs: intFrom(env, 'SSG_TEST_JOB_DELAY_MS', 0),
    executionProviders: parseExecutionProviders(env.SSG_EXECUTION_PROVIDERS) ?? ['cpu'],
    executionProvidersStrict: ['1', 'true'].includes((env.SSG_EXECUTION_PROVIDERS_STRICT ?? '').trim().toLowerCase()),
    batchWindowMs: intFrom(env, 'SSG_BATCH_WINDOW_MS', 3),
    maxBatch: intFrom(env, 'SSG_MAX_BATCH', 8, 1),
    logLevel: env.LOG_LEVEL || 'info',
    corsOrigins: (env.SSG_CORS_ORIGINS || '*').split(',').map((s) => s.trim()),
    limits: {
      maxTokens: intFrom(env, 'SSG_MAX_QUERY_TOKENS', 4_000, 100),
      maxDepth: intFrom(env, 'SSG_MAX_QUERY_DEPTH', 12, 1),
      maxCost: intFrom(env, 'SSG_MAX_QUERY_COST', 20_000, 1),
      maxNodes: intFrom(env, 'SSG_MAX_COST_NODES', 50_000, 1),
      maxMutationFields: intFrom(env, 'SSG_MAX_MUTATIONS', 20, 1),
      maxResponseBytes: intFrom(env, 'SSG_MAX_RESPONSE_BYTES', 8 * 1024 * 1024, 1024),
      jobsPerMinute: intFrom(env, 'SSG_JOB_RATE_PER_MINUTE', 120),
      jobBurst: intFrom(env, 'SSG_JOB_BURST', 60, 1),
    },
    imageDecode: {
      workers: intFrom(env, 'SSG_IMAGE_DECODERS', 1, 1),
      maxQueue: intFrom(env, 'SSG_IMAGE_DECODE_QUEUE', 4),
      // The slowest legal pictures (40 MP PNGs, 36 MP JPEGs) took 4-8 s: a few times that.
      timeoutMs: intFrom(env, 'SSG_IMAGE_DECODE_TIMEOUT_MS', 30_000, 1),
      // jpeg-js keeps an object per 8 x 8 block: a 36 MP colour JPEG needs 256-400 MB of heap.
      maxHeapMb: intFrom(env, 'SSG_IMAGE_DECODE_HEAP_MB', 768, 64),
    },
    urlSecret: env.SSG_URL_SECRET || randomBytes(32).toString('base64url'),
    signedUrlTtlS: intFrom(env, 'SSG_SIGNED_URL_TTL_S', 900, 60),
    requestTimeoutMs: intFrom(env, 'SSG_REQUEST_TIMEOUT_MS', 30_000, 1),
    bodyTimeoutMs: intFrom(env, 'SSG_BODY_TIMEOUT_MS', 10_000, 1),
    wsMaxOperationsPerSocket: intFrom(env, 'SSG_WS_MAX_OPERATIONS', 100, 1),
    wsMaxSocketsPerToken: intFrom(env, 'SSG_WS_MAX_SOCKETS_PER_TOKEN', 20, 1),
    wsAuthRecheckMs: intFrom(env, 'SSG_WS_AUTH_RECHECK_MS', 5_000, 100),
    metricsPort: metricsPort(env),
    metricsToken: env.SSG_METRICS_TOKEN || undefined,
    trustedProxies: parseTrustedProxies(env.SSG_TRUSTED_PROXIES),
  };
}
