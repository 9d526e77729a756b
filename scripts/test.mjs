#!/usr/bin/env node
// `npm test [-- FILES...]`: the whole suite against a fresh database server state.
// - DATABASE_URL set: test databases are created on that server (and dropped afterwards).
// - otherwise: an embedded PostgreSQL is started in a temporary directory for this run.
// A migrated template database is made once; each test file clones it (CREATE DATABASE ... TEMPLATE).
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function findTests(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findTests(p)));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: root });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let stopEmbedded = async () => {};
let adminUrl;
if (process.env.DATABASE_URL) {
  const u = new URL(process.env.DATABASE_URL);
  u.pathname = '/postgres';
  adminUrl = u.toString();
  console.log(`tests use the PostgreSQL server of DATABASE_URL (${u.host})`);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { startEmbeddedPostgres } = await import('../src/db/database.ts');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ssg-test-pg-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach it
  const db = await startEmbeddedPostgres(dir, 'postgres');
  adminUrl = db.url;
  stopEmbedded = async () => {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  };
  console.log(`tests use an embedded PostgreSQL (${dir})`);
}

const template = `ssg_tmpl_${process.pid}`;
// Servers the tests start serve the seeded demo model only (fast, reproducible), unless a test says otherwise.
const env = {
  ...process.env,
  SSG_TEST_ADMIN_URL: adminUrl,
  SSG_TEST_TEMPLATE_DB: template,
  NODE_ENV: 'test',
  SSG_BUILTIN_MODELS_DIR: 'none',
  SSG_DEMO_MODEL: '1',
};
delete env.DATABASE_URL; // tests pick their own databases

let code = 1;
try {
  code = await run(process.execPath, ['--import', 'tsx', path.join(root, 'test/helpers/setup.ts'), 'create'], env);
  if (code === 0) {
    const requested = process.argv.slice(2).map((f) => path.resolve(f));
    const files = requested.length ? requested : await findTests(path.join(root, 'test'));
    code = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
      env,
    );
  }
} finally {
  await run(process.execPath, ['--import', 'tsx', path.join(root, 'test/helpers/setup.ts'), 'drop'], env);
  await stopEmbedded();
}
process.exit(code);
