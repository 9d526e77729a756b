// The newcomer path: `npm start` with no DATABASE_URL becomes ready on an embedded PostgreSQL in
// ./.ssg, and a second start after a stop finds its data again.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { READY_LINE, ssg, ssgUntil, stop } from '../helpers/ssg.ts';

const cwd = await mkdtemp(path.join(os.tmpdir(), 'ssg-start-'));
// As root the embedded PostgreSQL runs as the `postgres` user, which must reach ./.ssg (mkdtemp makes 0700).
await chmod(cwd, 0o755);
const env = { DATABASE_URL: '', PORT: '0', LOG_LEVEL: 'warn', SSG_MODELS_DIR: TEST_MODELS_DIR };
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(cwd, { recursive: true, force: true });
});

async function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const run = await ssgUntil(['start'], READY_LINE, { cwd, env });
  children.push(run.child);
  return { child: run.child, url: run.match[1]!, output: run.output };
}

async function workspaces(): Promise<string[]> {
  const port = (await readFile(path.join(cwd, '.ssg', 'postgres.port'), 'utf8')).trim();
  const client = new pg.Client({ connectionString: `postgresql://postgres:postgres@127.0.0.1:${port}/ssg` });
  await client.connect();
  try {
    return (await client.query('SELECT name FROM "Workspace" ORDER BY name')).rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

test('start on the embedded database, create a token, restart, find the data again', { timeout: 300_000 }, async () => {
  const first = await start();
  assert.match(first.output(), /embedded PostgreSQL, data in .*\.ssg\/postgres/);
  assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${first.url}/readyz`)).status, 200);

  // `ssg token create` beside the running server shares its embedded PostgreSQL.
  const created = await ssg(['token', 'create', '--workspace', 'studio'], { cwd, env });
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim().split('\n').at(-1)!;
  assert.match(token, /^ssg_[A-Za-z0-9_-]{20,}$/);

  assert.equal(await stop(first.child), 0, first.output());

  const second = await start();
  assert.deepEqual(await workspaces(), ['studio']);
  const res = await fetch(`${second.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ models { id untrained } }' }),
  });
  const body = (await res.json()) as { data?: { models: { untrained: boolean }[] }; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.ok(
    body.data!.models.some((m) => m.untrained),
    'the demo model is served and labelled untrained: ' + JSON.stringify(body.data),
  );
  assert.equal(await stop(second.child), 0, second.output());
});
