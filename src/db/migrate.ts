// Applies prisma/migrations offline, exactly as `prisma migrate deploy` would.
// Safe to run from several processes at once: a PostgreSQL advisory lock serialises them, and the
// engine applies only migrations missing from `_prisma_migrations`.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR, PRISMA_SCHEMA_PATH } from '../paths.ts';
import { openSchemaEngine } from './schema-engine.ts';

// Any constant works; it only has to be the same in every ssg-studio process.
const MIGRATION_LOCK_KEY = 0x55_47_53_4d; // "SSGM"

export interface MigrationResult {
  applied: string[];
}

async function readMigrations() {
  const entries = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    entries.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: {
          tag: 'ok' as const,
          value: await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8'),
        },
      },
    })),
  );
  const lockPath = path.join(MIGRATIONS_DIR, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: MIGRATIONS_DIR,
    shadowDbInitScript: '',
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    migrationDirectories,
  };
}

export async function migrate(connectionString: string): Promise<MigrationResult> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const schemaText = await readFile(PRISMA_SCHEMA_PATH, 'utf8');
    const { engine, close } = await openSchemaEngine(connectionString, PRISMA_SCHEMA_PATH, schemaText);
    try {
      const out = await engine.applyMigrations({
        migrationsList: await readMigrations(),
        filters: { externalTables: [], externalEnums: [] },
      });
      return { applied: out.appliedMigrationNames };
    } finally {
      await close();
    }
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockClient.end();
  }
}

/** SQL that takes an empty database to the current prisma/schema.prisma (for the first migration). */
export async function diffFromEmpty(connectionString: string): Promise<string> {
  const schemaText = await readFile(PRISMA_SCHEMA_PATH, 'utf8');
  const { engine, close } = await openSchemaEngine(connectionString, PRISMA_SCHEMA_PATH, schemaText);
  try {
    const out = await engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: PRISMA_SCHEMA_PATH, content: schemaText }] },
      script: true,
      shadowDatabaseUrl: null,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return out.stdout ?? '';
  } finally {
    await close();
  }
}
