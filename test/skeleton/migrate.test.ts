// `ssg migrate` from two processes at once leaves one correct schema, and a rerun changes nothing.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { createEmptyDatabase } from '../helpers/db.ts';
import { ssg } from '../helpers/ssg.ts';

const migrate = (env: Record<string, string>) => ssg(['migrate'], { env });

let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
before(async () => {
  db = await createEmptyDatabase('ssg_mig');
});
after(async () => {
  await db.drop();
});

test('two concurrent `ssg migrate` runs leave one correct schema', async () => {
  const [a, b] = await Promise.all([migrate({ DATABASE_URL: db.url }), migrate({ DATABASE_URL: db.url })]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  // Exactly one of them applied the migration; the other found the database up to date.
  const outputs = [a.stdout, b.stdout];
  assert.equal(outputs.filter((o) => o.includes('applied: 0001_init')).length, 1, outputs.join('\n'));
  assert.equal(outputs.filter((o) => o.includes('database is up to date')).length, 1, outputs.join('\n'));

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const migrations = await client.query(
      'SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
    );
    assert.deepEqual(
      migrations.rows.map((r) => r.migration_name),
      // Every migration the project ships, each applied once.
      readdirSync(path.join(PROJECT_ROOT, 'prisma', 'migrations'), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    );
    for (const m of migrations.rows) {
      assert.ok(m.finished_at, `migration ${m.migration_name} finished`);
      assert.equal(m.rolled_back_at, null);
    }
    const tables = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    for (const t of ['ApiToken', 'Edit', 'Face', 'GenerativeModel', 'InferenceJob', 'Project', 'Render', 'Workspace']) {
      assert.ok(
        tables.rows.some((r) => r.table_name === t),
        `table ${t} exists`,
      );
    }
    // The history index the API relies on: a face's edits by seq.
    const idx = await client.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'Edit'");
    assert.ok(idx.rows.some((r) => /\("faceId", seq\)/.test(r.indexdef)));
  } finally {
    await client.end();
  }

  const again = await migrate({ DATABASE_URL: db.url });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /database is up to date/);
});
