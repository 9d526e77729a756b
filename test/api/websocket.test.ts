// The WebSocket transport against a hostile or careless client, with the real graphql-ws client:
// a revoked, deleted or expired token closes its sockets (4403) and runs nothing more; internal
// errors are masked and logged as over HTTP; operations per socket and sockets per token are
// capped; identical subscribers share one database read per event.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createToken, revokeToken } from '../../src/domain/tokens.ts';
import { Topics } from '../../src/pubsub/types.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { countQueries, createFace, createProject, ok, snapshot, waitForJob } from './util.ts';

const MAX_OPERATIONS = 100;
const MAX_SOCKETS = 3;

let app: TestApp;
let projectId: string;
let face: { faceId: string; editId: string; jobId: string };
let other: { faceId: string; editId: string; jobId: string };

before(async () => {
  app = await startTestApp({
    wsMaxOperationsPerSocket: MAX_OPERATIONS,
    wsMaxSocketsPerToken: MAX_SOCKETS,
    wsAuthRecheckMs: 1_000,
  });
  projectId = await createProject(app.gql, 'ws');
  face = await createFace(app.gql, projectId, 5, 'a');
  other = await createFace(app.gql, projectId, 6, 'b');
  await waitForJob(app.gql, face.jobId);
  await waitForJob(app.gql, other.jobId);
});
after(async () => {
  await app?.close();
});

/** A graphql-ws client that does not reconnect, recording the close codes it sees. */
function wsClient(token: string): { client: Client; closes: number[] } {
  const closes: number[] = [];
  const client = createClient({
    url: app.url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {}, // the close is recorded in `closes`
    on: { closed: (e) => void closes.push((e as { code: number }).code) },
  });
  return { client, closes };
}

/** One operation's results until it ends: its results, or the error (a close event or GraphQL errors). */
function run(client: Client, query: string, variables: Record<string, unknown> = {}) {
  return new Promise<{ results: any[]; error?: any }>((resolve) => {
    const results: any[] = [];
    client.subscribe(
      { query, variables },
      {
        next: (v) => void results.push(v),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
}

const until = async (what: string, cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const SWAP = `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"], part: BOTH}) { edit { id } } }`;
const FACE_UPDATED = `subscription($f: ID!) { faceUpdated(id: $f) { id name editCount head { id seq render { id imageUrl } job { id status } } } }`;

/** A workspace of its own with a token, a project and two rendered faces. */
async function tenant(name: string, expiresAt?: Date) {
  const t = await createToken(app.ctx.prisma, `${name}_${Date.now()}`, undefined, expiresAt);
  const p = await createProject(app.gql, name, t.token);
  const a = await createFace(app.gql, p, 1, 'a', t.token);
  const b = await createFace(app.gql, p, 2, 'b', t.token);
  return { ...t, a, b };
}

test('after `token revoke` an open socket closes with 4403, its subscription stops and no mutation runs', async () => {
  const t = await tenant('revoked');
  const { client, closes } = wsClient(t.token);
  try {
    const events: any[] = [];
    let ended: any;
    client.subscribe(
      { query: FACE_UPDATED, variables: { f: t.a.faceId } },
      { next: (v) => void events.push(v), error: (e) => (ended = e), complete: () => (ended = 'complete') },
    );
    await until('the first state', () => events.length >= 1);
    assert.equal(events[0].errors, undefined, JSON.stringify(events[0]));

    await revokeToken(app.ctx.prisma, t.tokenId);
    await until('the socket to close', () => closes.length > 0, 5_000);
    assert.equal(closes[0], 4403);
    await until('the subscription to end', () => ended !== undefined);
    assert.equal(ended.code, 4403, `the subscription ended with ${JSON.stringify(ended)}`);

    // Events after the revocation reach nobody, and a mutation on this client is refused.
    const seen = events.length;
    const before = await snapshot(app);
    const r = await run(client, SWAP, { t: t.a.faceId, s: t.b.faceId });
    assert.equal(r.results.length, 0, JSON.stringify(r.results));
    assert.equal(r.error?.code, 4403, JSON.stringify(r.error));
    assert.deepEqual(await snapshot(app), before, 'an Edit was written with a revoked token');
    app.ctx.pubsub.publish(Topics.FACE_UPDATED, { faceId: t.a.faceId, reason: 'RENDER' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(events.length, seen);
  } finally {
    await client.dispose();
  }
});

test('a deleted token (no revocation event) is refused on the open socket within the cache time', async () => {
  const t = await tenant('deleted');
  const { client, closes } = wsClient(t.token);
  try {
    const first = await run(client, `{ models { id } }`);
    assert.equal(first.results[0]?.errors, undefined);
    await app.ctx.prisma.$executeRawUnsafe(`DELETE FROM "ApiToken" WHERE id = $1::uuid`, t.tokenId);
    await new Promise((r) => setTimeout(r, 5_500)); // the authenticator trusts a token for 5 s
    const before = await snapshot(app);
    const r = await run(client, SWAP, { t: t.a.faceId, s: t.b.faceId });
    assert.ok(!r.results.some((x) => x.data?.swapComponents), `the swap ran: ${JSON.stringify(r.results)}`);
    assert.deepEqual(await snapshot(app), before, 'an Edit was written with a deleted token');
    await until('the socket to close', () => closes.length > 0, 3_000);
    assert.equal(closes[0], 4403);
  } finally {
    await client.dispose();
  }
});

test('an expiring token closes its socket with 4403 once it expires', async () => {
  const t = await tenant('expiring', new Date(Date.now() + 4_000));
  const { client, closes } = wsClient(t.token);
  try {
    const sub = run(client, FACE_UPDATED, { f: t.a.faceId });
    await until('the socket to close', () => closes.length > 0, 10_000);
    assert.equal(closes[0], 4403);
    assert.equal((await sub).error?.code, 4403);
  } finally {
    await client.dispose();
  }
});

test('internal errors reach WebSocket clients masked with INTERNAL_SERVER_ERROR and are logged with the detail', async () => {
  const logged: unknown[] = [];
  const log = app.ctx.log as unknown as { error: (...args: unknown[]) => void };
  const original = log.error;
  log.error = (...args: unknown[]) => void logged.push(args[0]);
  const { client } = wsClient(app.token);
  await app.ctx.prisma.$executeRawUnsafe(`ALTER TABLE "Face" RENAME COLUMN name TO "nameGone"`);
  try {
    const leaks = /prisma|column "|nameGone|SELECT|invocation|\.ts|does not exist/i;
    const query = await run(client, `query($f: ID!) { face(id: $f) { id name } }`, { f: face.faceId });
    const sub = await run(client, FACE_UPDATED, { f: face.faceId });
    const http = await app.gql(`query($f: ID!) { face(id: $f) { id name } }`, { f: face.faceId });
    for (const [what, errors] of [
      ['query over WebSocket', query.results[0]?.errors],
      ['subscription over WebSocket', sub.results[0]?.errors ?? sub.error],
      ['query over HTTP', http.errors],
    ] as const) {
      assert.ok(Array.isArray(errors) && errors.length, `${what}: ${JSON.stringify(errors)}`);
      assert.equal(errors[0].extensions?.code, 'INTERNAL_SERVER_ERROR', `${what}: ${JSON.stringify(errors)}`);
      assert.doesNotMatch(errors.map((e: { message: string }) => e.message).join('\n'), leaks, what);
      assert.deepEqual(Object.keys(errors[0].extensions), ['code'], what);
    }
    // An error written for the client (a variable of the wrong type) is not masked.
    const coercion = await run(client, `query($n: Int) { projects(first: $n) { totalCount } }`, { n: 'many' });
    const coercionErrors = coercion.results[0]?.errors ?? [];
    assert.match(coercionErrors[0]?.message ?? '', /^Variable "\$n" got invalid value/, JSON.stringify(coercion));
    assert.notEqual(coercionErrors[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    const details = logged.map((l) => JSON.stringify((l as { err?: { message?: string } }).err?.message ?? ''));
    assert.ok(details.filter((d) => /nameGone|name/.test(d)).length >= 3, `logged: ${details.join('\n')}`);
  } finally {
    await app.ctx.prisma.$executeRawUnsafe(`ALTER TABLE "Face" RENAME COLUMN "nameGone" TO name`);
    log.error = original;
    await client.dispose();
  }
});

test(`2,000 faceUpdated subscriptions on one socket: ${MAX_OPERATIONS} run, the rest are refused with TOO_MANY_OPERATIONS`, async () => {
  const { client, closes } = wsClient(app.token);
  try {
    const firstValues = new Set<number>();
    const refused: string[] = [];
    const stops: (() => void)[] = [];
    for (let i = 0; i < 2_000; i++) {
      stops.push(
        client.subscribe(
          { query: `subscription($f: ID!) { faceUpdated(id: $f) { id } }`, variables: { f: face.faceId } },
          {
            next: (v) => {
              if (v.errors) refused.push(String(v.errors[0]?.extensions?.code));
              else firstValues.add(i);
            },
            error: (e) => void refused.push(Array.isArray(e) ? String(e[0]?.extensions?.code) : String(e)),
            complete: () => {},
          },
        ),
      );
    }
    await until('every subscription to be answered', () => firstValues.size + refused.length >= 2_000, 60_000);
    assert.equal(firstValues.size, MAX_OPERATIONS);
    assert.deepEqual(new Set(refused), new Set(['TOO_MANY_OPERATIONS']));
    assert.deepEqual(closes, [], 'the socket stays open');
    // Completing one frees its place.
    stops[[...firstValues][0]!]!();
    await new Promise((r) => setTimeout(r, 100));
    const again = await run(client, `{ models { id } }`);
    assert.equal(again.results[0]?.errors, undefined, JSON.stringify(again.results));
    for (const stop of stops) stop();
  } finally {
    await client.dispose();
  }
});

test(`a token holds at most ${MAX_SOCKETS} sockets; one more is closed with 4429`, async () => {
  const t = await createToken(app.ctx.prisma, `sockets_${Date.now()}`);
  // Opened one after another: sockets opened together race for the places, and which one is
  // refused would be chance.
  const clients: ReturnType<typeof wsClient>[] = [];
  try {
    for (let i = 0; i < MAX_SOCKETS; i++) {
      clients.push(wsClient(t.token));
      assert.equal((await run(clients.at(-1)!.client, `{ models { id } }`)).error, undefined);
    }
    const last = wsClient(t.token);
    clients.push(last);
    const r = await run(last.client, `{ models { id } }`);
    assert.equal(r.error?.code, 4429, JSON.stringify(r.error));
    assert.match(r.error.reason, /per token/);
    // The first sockets still work.
    assert.equal((await run(clients[0]!.client, `{ models { id } }`)).error, undefined);
  } finally {
    for (const c of clients) await c.client.dispose();
  }
});

test('N identical faceUpdated subscribers cost the same statements per event as one', async () => {
  /** Statements run while one FACE_UPDATED event reaches `n` identical subscribers (fewest of 3). */
  async function perEvent(n: number): Promise<{ queries: number; texts: string[] }> {
    const { client } = wsClient(app.token);
    try {
      const counts = new Array<number>(n).fill(0);
      const stops = counts.map((_, i) =>
        client.subscribe(
          { query: FACE_UPDATED, variables: { f: face.faceId } },
          {
            next: (v) => {
              assert.equal(v.errors, undefined, JSON.stringify(v.errors));
              counts[i]!++;
            },
            error: (e) => assert.fail(JSON.stringify(e)),
            complete: () => {},
          },
        ),
      );
      await until('the first states', () => counts.every((c) => c >= 1));
      let best: { queries: number; texts: string[] } | undefined;
      for (let round = 2; round <= 4; round++) {
        const r = await countQueries(async () => {
          app.ctx.pubsub.publish(Topics.FACE_UPDATED, { faceId: face.faceId, reason: 'RENDER' });
          await until('the event', () => counts.every((c) => c >= round));
        });
        if (!best || r.queries < best.queries) best = r;
      }
      for (const stop of stops) stop();
      return best!;
    } finally {
      await client.dispose();
    }
  }
  const one = await perEvent(1);
  const many = await perEvent(50);
  assert.ok(one.queries >= 1, 'the event reads the face');
  assert.equal(many.queries, one.queries, `50 subscribers:\n${many.texts.join('\n')}`);
});

test('subscribers of two workspaces never share a read', async () => {
  // Another workspace subscribing to this face is refused (NOT_FOUND), whatever was read for it.
  const otherToken = await app.newToken('ws-snoop');
  const { client } = wsClient(otherToken);
  try {
    const r = await run(client, FACE_UPDATED, { f: face.faceId });
    assert.equal(r.results[0]?.errors?.[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(r));
  } finally {
    await client.dispose();
  }
  await ok(app.gql(`{ models { id } }`));
});
