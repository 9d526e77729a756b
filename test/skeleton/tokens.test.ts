// Token administration as an operator does it: `ssg token create|list|revoke` through bin/ssg.js,
// against a server already running in another process.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { testDatabase } from '../helpers/db.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { READY_LINE, ssg, ssgUntil, stop } from '../helpers/ssg.ts';

let db: Awaited<ReturnType<typeof testDatabase>>;
let env: Record<string, string>;
const children: ChildProcess[] = [];
before(async () => {
  db = await testDatabase();
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'warn', PORT: '0', SSG_WORKER: '0', SSG_MODELS_DIR: TEST_MODELS_DIR };
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await db.drop();
});

interface ListedToken {
  id: string;
  prefix: string;
  name: string | null;
  workspace: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

async function list(...args: string[]): Promise<ListedToken[]> {
  const r = await ssg(['token', 'list', '--json', ...args], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ListedToken[];
}

async function create(
  ...args: string[]
): Promise<{ token: string; id: string; prefix: string; expiresAt: string | null }> {
  const r = await ssg(['token', 'create', '--json', ...args], { env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('create (text and --json), list, revoke by prefix, with optional expiry', async () => {
  const text = await ssg(['token', 'create', '--workspace', 'studio', '--name', 'figma'], { env });
  assert.equal(text.code, 0, text.stderr);
  const plain = text.stdout.trim().split('\n').at(-1)!;
  assert.match(plain, /^ssg_[A-Za-z0-9_-]{20,}$/, 'the last line is the token');

  const t0 = Date.now();
  const ci = await create('--workspace', 'ci', '--name', 'nightly', '--expires-in', '30d');
  assert.match(ci.token, /^ssg_/);
  assert.ok(ci.token.startsWith(ci.prefix));
  const expiresIn = Date.parse(ci.expiresAt!) - t0;
  assert.ok(Math.abs(expiresIn - 30 * 86400e3) < 60e3, `expires in 30 days (got ${expiresIn} ms)`);

  const all = await list();
  assert.deepEqual(
    all.map((t) => [t.workspace, t.name, t.revokedAt, t.lastUsedAt]),
    [
      ['studio', 'figma', null, null],
      ['ci', 'nightly', null, null],
    ],
  );
  assert.equal(all[0].expiresAt, null);
  assert.deepEqual(
    (await list('--workspace', 'ci')).map((t) => t.id),
    [ci.id],
  );

  const table = await ssg(['token', 'list'], { env });
  assert.equal(table.code, 0, table.stderr);
  const [header, ...rows] = table.stdout.trim().split('\n');
  assert.match(header, /^ID\s+PREFIX\s+NAME\s+WORKSPACE\s+CREATED\s+LAST USED\s+EXPIRES\s+REVOKED$/);
  assert.equal(rows.length, 2);
  assert.ok(rows[1].includes(ci.prefix) && rows[1].includes('nightly'));

  const revoked = await ssg(['token', 'revoke', ci.prefix], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`revoked token ${ci.prefix}`));
  const after = (await list('--workspace', 'ci'))[0];
  assert.ok(after.revokedAt && Date.parse(after.revokedAt) >= t0 - 1000);
  const again = await ssg(['token', 'revoke', ci.id], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already revoked/);
  assert.equal((await list('--workspace', 'ci'))[0].revokedAt, after.revokedAt, 'the first revocation time stays');

  // Mistakes: one line, exit 1, nothing changed.
  for (const args of [
    ['token', 'revoke', 'ssg_nothing'],
    ['token', 'list', '--workspace', 'nope'],
    ['token', 'create', '--workspace', '   '],
  ]) {
    const r = await ssg(args, { env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^ssg: /);
  }
  assert.equal((await list()).length, 2);
});

test('a running server refuses a token on the request after `ssg token revoke`, and expired tokens', async () => {
  const server = await ssgUntil(['start'], READY_LINE, { env });
  children.push(server.child);
  const url = server.match[1];
  const ask = (token: string) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ models { id } }' }),
    }).then((r) => r.status);

  const { token, prefix, id } = await create('--workspace', 'live');
  // Accepted, and now in the server's cache of accepted tokens.
  assert.equal(await ask(token), 200);
  assert.equal(await ask(token), 200);
  const used = (await list('--workspace', 'live'))[0];
  assert.ok(used.lastUsedAt, 'last use recorded');
  assert.equal(await ask(token), 200);
  assert.equal((await list('--workspace', 'live'))[0].lastUsedAt, used.lastUsedAt, 'not a write per request');

  const revoked = await ssg(['token', 'revoke', prefix], { env });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal(await ask(token), 401, 'the very next request is refused');
  assert.equal((await list('--workspace', 'live')).find((t) => t.id === id)!.revokedAt !== null, true);

  // An expiring token works until it expires, then is refused although the server cached it.
  const short = await create('--workspace', 'live', '--expires-in', '3s');
  assert.equal(await ask(short.token), 200);
  await new Promise((r) => setTimeout(r, Date.parse(short.expiresAt!) - Date.now() + 100));
  assert.equal(await ask(short.token), 401);

  assert.equal(await stop(server.child), 0, server.output());
});
