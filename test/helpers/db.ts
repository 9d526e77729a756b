// A fresh, migrated database for each test file, cloned from a template that scripts/test.mjs
// prepares once per run (on DATABASE_URL's server, or on an embedded PostgreSQL).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import { runMigrations } from 'graphile-worker';

/** Server-level URL to create databases on (set by scripts/test.mjs). */
export function adminUrl(): string {
  return process.env.SSG_TEST_ADMIN_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (no migrations). */
export async function createEmptyDatabase(
  prefix = 'ssg_t',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    url: withDatabase(adminUrl(), name),
    name,
    drop: () => dropDatabase(name),
  };
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Makes `name` a migrated template database (ssg schema and graphile-worker's). */
export async function prepareTemplate(name: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const url = withDatabase(adminUrl(), name);
  await migrate(url);
  await runMigrations({ connectionString: url });
}

/** A fresh migrated database for one test file. */
export async function testDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const template = process.env.SSG_TEST_TEMPLATE_DB;
  if (!template) {
    // Run outside scripts/test.mjs (a single file): migrate a new database directly.
    const db = await createEmptyDatabase();
    await migrate(db.url);
    await runMigrations({ connectionString: db.url });
    return db;
  }
  const name = `ssg_t_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return { url: withDatabase(adminUrl(), name), name, drop: () => dropDatabase(name) };
}
