// Limits a hostile or buggy client cannot walk around: cost that follows size and
// refuses what it cannot evaluate, on HTTP and WebSocket alike; paginated children; a response
// size cap; mutations per request; jobs per token over time. Each refusal writes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.ts';
import { checkLimits, DEFAULT_LIMITS } from '../../src/resolvers/limits.ts';
import { buildAppSchema } from '../../src/resolvers/schema.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject, errorCode, ok, snapshot, type NewFace } from './util.ts';

let app: TestApp;
let face: NewFace;
let projectId: string;

before(async () => {
  app = await startTestApp();
  projectId = await createProject(app.gql, 'limits');
  face = await createFace(app.gql, projectId, 1, 'parent');
});
after(async () => {
  await app?.close();
});

/** Runs one operation over graphql-ws; resolves with its errors (or none). */
async function overWebSocket(target: TestApp, query: string, variables?: Record<string, unknown>) {
  const client = createClient({
    url: target.url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${target.token}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise<{ data?: any; errors?: any[] }>((resolve, reject) => {
      let result: { data?: any; errors?: any[] } = {};
      client.subscribe(
        { query, variables },
        {
          next: (v) => void (result = v as typeof result),
          error: (err) => (Array.isArray(err) ? resolve({ errors: err }) : reject(err)),
          complete: () => resolve(result),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** A query padded with `n` spreads of one fragment that costs about 400. */
function padded(n: number): string {
  return `query Padded { ${'...P '.repeat(n)}}
    fragment P on Query { projects(first: 100) { edges { node { id name createdAt } } } }`;
}

describe('the cost limit', () => {
  test('queries padded with fragment spreads are refused over HTTP and WebSocket', async () => {
    // 2,600 spreads: over the parser's token limit, refused before validation.
    const http = await app.gql(padded(2_600));
    assert.equal(http.data, undefined);
    assert.equal(http.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(http.errors![0].message, /more than 4000 tokens, over the limit/);
    const ws = await overWebSocket(app, padded(2_600));
    assert.equal(ws.data, undefined);
    assert.equal(ws.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
    // 1,000 spreads: within the token limit, refused by its cost, each spread counted.
    for (const res of [await app.gql(padded(1_000)), await overWebSocket(app, padded(1_000))]) {
      assert.equal(res.data, undefined);
      assert.equal(res.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
      assert.match(res.errors![0].message, /cost \d+ exceeds the limit of 20000/);
      assert.ok(res.errors![0].extensions.cost > 400_000, `cost ${res.errors![0].extensions.cost}`);
    }
    // The same fragment spread a few times is fine.
    await ok(app.gql(padded(3)));
  });

  test('a document too large to evaluate is refused, not let through', async () => {
    const schema = await buildAppSchema();
    const wide = parse(`{ ${Array.from({ length: 300 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    assert.deepEqual(checkLimits(schema, wide), [], 'within the default evaluation budget');
    const errors = checkLimits(schema, wide, { ...DEFAULT_LIMITS, maxNodes: 100 });
    assert.equal(errors[0]?.extensions.code, 'QUERY_TOO_COMPLEX');
    assert.match(errors[0]!.message, /too large to evaluate/);
  });

  test('7,500 aliases of a latent are refused with QUERY_TOO_COMPLEX, not a 500', async () => {
    const aliases = Array.from({ length: 7_500 }, (_, i) => `l${i}: latentNpyBase64`).join(' ');
    const query = `query($e: ID!) { edit(id: $e) { ${aliases} } }`;
    const res = await app.gql(query, { e: face.editId });
    assert.equal(res.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
    const ws = await overWebSocket(app, query, { e: face.editId });
    assert.equal(ws.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
    // One latent costs its size: a latent is worth more than a few scalar fields.
    const schema = await buildAppSchema();
    const one = checkLimits(
      schema,
      parse(`{ edit(id: "x") { latentNpyBase64 } }`),
      { ...DEFAULT_LIMITS, maxCost: 50 },
      {
        latentFloats: 28 * 512,
      },
    );
    assert.equal(one[0]?.extensions.code, 'QUERY_TOO_COMPLEX', 'a 57 KB latent costs more than 50');
  });

  test('introspection stays free', async () => {
    const schema = await buildAppSchema();
    const intro = parse(`{ __schema { types { name fields { name args { name } type { name ofType { name } } } } } }`);
    assert.deepEqual(checkLimits(schema, intro, { ...DEFAULT_LIMITS, maxCost: 1 }), []);
  });
});

describe('Edit.children', () => {
  const CHILDREN = 2_000;
  before(async () => {
    // 2,000 branches under the root, written directly (2,000 swaps would take minutes).
    await app.ctx.prisma.$executeRawUnsafe(
      `INSERT INTO "Edit" (id, "faceId", seq, "parentId", operation, params, latent, "createdAt")
       SELECT gen_random_uuid(), e."faceId", e.seq + g, e.id, 'TRUNCATE', '{"psi": 0.5}', e.latent, now()
       FROM "Edit" e, generate_series(1, $2) g WHERE e.id = $1::uuid`,
      face.editId,
      CHILDREN,
    );
    await app.ctx.prisma.$executeRawUnsafe(
      `UPDATE "Face" SET "editCount" = "editCount" + $2 WHERE id = $1::uuid`,
      face.faceId,
      CHILDREN,
    );
  });

  test('is paginated: a short query over 2,000 children returns a page and the total', async () => {
    const q = `query($e: ID!) { edit(id: $e) { children { totalCount edges { node { id seq } } pageInfo { hasNextPage endCursor } } } }`;
    const d = await ok(app.gql(q, { e: face.editId }));
    assert.equal(d.edit.children.totalCount, CHILDREN);
    assert.equal(d.edit.children.edges.length, 20);
    assert.deepEqual(
      d.edit.children.edges.map((x: any) => x.node.seq),
      Array.from({ length: 20 }, (_, i) => i + 2),
      'oldest first',
    );
    assert.equal(d.edit.children.pageInfo.hasNextPage, true);
    const next = await ok(
      app.gql(
        `query($e: ID!, $a: String) { edit(id: $e) { children(first: 100, after: $a) { edges { node { seq } } } } }`,
        {
          e: face.editId,
          a: d.edit.children.pageInfo.endCursor,
        },
      ),
    );
    assert.equal(next.edit.children.edges[0].node.seq, 22);
    assert.equal(next.edit.children.edges.length, 100);
  });

  test('the amplifying query (children of children with their latents) is refused', async () => {
    const q = `query($e:ID!){edit(id:$e){children(first:100){edges{node{latentNpyBase64 children(first:100){edges{node{latentNpyBase64 parent{latentNpyBase64}}}}}}}}}`;
    assert.ok(q.length < 260);
    assert.equal(await errorCode(app.gql(q, { e: face.editId })), 'QUERY_TOO_COMPLEX');
    // Without a first: the default page (20), not 2,000; 20 latents (about 1.5 MB) are over the cost, 15 within it.
    const q20 = `query($e:ID!){edit(id:$e){children{edges{node{id latentNpyBase64}}}}}`;
    assert.equal(await errorCode(app.gql(q20, { e: face.editId })), 'QUERY_TOO_COMPLEX');
    const d = await ok(app.gql(q20.replace('children{', 'children(first:15){'), { e: face.editId }));
    assert.equal(d.edit.children.edges.length, 15);
    const d20 = await ok(app.gql(q20.replace(' latentNpyBase64', ''), { e: face.editId }));
    assert.equal(d20.edit.children.edges.length, 20);
  });
});

describe('quotas and the response cap', () => {
  let tight: TestApp;
  before(async () => {
    tight = await startTestApp({
      limits: { ...loadConfig({}).limits, maxResponseBytes: 1024, jobsPerMinute: 6, jobBurst: 3 },
    });
  });
  after(async () => {
    await tight?.close();
  });

  test('a request with 1,000 createFace mutations is refused and writes nothing', async () => {
    const p = await createProject(app.gql, 'mass');
    const before = await snapshot(app);
    const createFaces = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `f${i}: createFace(input: {projectId: $p, name: "f${i}", seed: ${i}}) { face { id } }`,
      ).join(' ');
    const fields = createFaces(1_000);
    // 1,000: refused before anything runs (over the token limit as well as the mutation limit).
    const res = await app.gql(`mutation($p: ID!) { ${fields} }`, { p });
    assert.equal(res.data, undefined);
    assert.equal(res.errors?.[0].extensions.code, 'QUERY_TOO_COMPLEX');
    assert.deepEqual(await snapshot(app), before);
    // 21: the mutation limit.
    const over = await app.gql(`mutation($p: ID!) { ${createFaces(21)} }`, { p });
    assert.equal(over.data, undefined);
    assert.equal(over.errors?.[0].extensions.code, 'TOO_MANY_MUTATIONS');
    assert.match(over.errors![0].message, /at most 20 mutations/);
    assert.deepEqual(await snapshot(app), before);
    // Twenty are allowed.
    const d = await ok(app.gql(`mutation($p: ID!) { ${createFaces(20)} }`, { p }));
    assert.equal(Object.keys(d).length, 20);
  });

  test('past the job rate a token gets RATE_LIMITED with retryAfter, and nothing is written', async () => {
    const p = await createProject(tight.gql, 'rate');
    const a = await createFace(tight.gql, p, 1, 'a'); // 3 jobs allowed at once
    await createFace(tight.gql, p, 2, 'b');
    await createFace(tight.gql, p, 3, 'c');
    const before = await snapshot(tight);
    const res = await tight.gql(
      `mutation($p: ID!) { createFace(input: {projectId: $p, name: "d", seed: 4}) { face { id } } }`,
      {
        p,
      },
    );
    assert.equal(res.errors?.[0].extensions.code, 'RATE_LIMITED');
    const retryAfter = res.errors![0].extensions.retryAfter;
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `retryAfter ${retryAfter}`);
    const render = await tight.gql(
      `mutation($f: ID!) { renderFace(input: {faceId: $f, components: ["hair"]}) { id } }`,
      {
        f: a.faceId,
      },
    );
    assert.equal(render.errors?.[0].extensions.code, 'RATE_LIMITED');
    assert.deepEqual(await snapshot(tight), before);
    // Another token (another workspace) has its own allowance.
    const other = await tight.newToken('other');
    await createProject(tight.gql, 'theirs', other);
    // After the advertised wait, the token may queue again (6 a minute: one every 10 s).
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    await createFace(tight.gql, p, 5, 'e');
  });

  test('a result over the response cap is replaced by RESPONSE_TOO_LARGE (HTTP and WebSocket)', async () => {
    const p = await createProject(tight.gql, 'big');
    const q = `{ projects(first: 100) { edges { node { id name model { id name components { name color } } } } } }`;
    for (let i = 0; i < 3; i++) await createProject(tight.gql, `padding project ${'x'.repeat(90)} ${i}`);
    const res = await tight.gql(q);
    assert.equal(res.data, null);
    assert.equal(res.errors?.[0].extensions.code, 'RESPONSE_TOO_LARGE');
    assert.equal(res.errors![0].extensions.limit, 1024);
    const ws = await overWebSocket(tight, q);
    assert.equal(ws.errors?.[0].extensions.code, 'RESPONSE_TOO_LARGE');
    // A small result passes.
    await ok(tight.gql(`query($p: ID!) { project(id: $p) { id } }`, { p }));
  });
});
