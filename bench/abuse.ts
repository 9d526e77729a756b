// Hostile clients against a running server (issue 14): the amplification cases (padded cost,
// latent aliases, children of an edit with 2,000 children) and 2,000 subscriptions on one socket.
// Prints the process's peak RSS, the longest stall of a second tenant's one-field query during
// each attack, and the swap latency under 2,000 subscriptions.
//   node --import tsx bench/abuse.ts [--seconds 5] [--concurrency 5] [--subscriptions 2000]
// Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres), as bench/api.ts.
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp } from '../test/helpers/app.ts';
import { createFace, createProject, ok } from '../test/api/util.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '5' },
    subscriptions: { type: 'string', default: '2000' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const nSubscriptions = Number(values.subscriptions);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const app = await startTestApp({ runWorker: false, logLevel: 'error' });
try {
  const projectId = await createProject(app.gql, 'abuse');
  const parent = await createFace(app.gql, projectId, 1, 'parent');
  const source = await createFace(app.gql, projectId, 2, 'source');
  // 2,000 children under the parent's root edit.
  await app.ctx.prisma.$executeRawUnsafe(
    `INSERT INTO "Edit" (id, "faceId", seq, "parentId", operation, params, latent, "createdAt")
     SELECT gen_random_uuid(), e."faceId", e.seq + g, e.id, 'TRUNCATE', '{"psi": 0.5}', e.latent, now()
     FROM "Edit" e, generate_series(1, 2000) g WHERE e.id = $1::uuid`,
    parent.editId,
  );
  await app.ctx.prisma.$executeRawUnsafe(`UPDATE "Face" SET "editCount" = 2001 WHERE id = $1::uuid`, parent.faceId);
  const victim = await app.newToken('victim');
  await createProject(app.gql, 'victim project', victim);

  const aliases = Array.from({ length: 7_500 }, (_, i) => `l${i}: latentNpyBase64`).join(' ');
  const cases: { name: string; query: string; variables?: Record<string, unknown> }[] = [
    {
      name: 'padded cost (2,600 fragment spreads: over the token limit)',
      query: `query { ${'...P '.repeat(2_600)}} fragment P on Query { projects(first: 100) { edges { node { id name createdAt } } } }`,
    },
    {
      name: 'padded cost (1,000 fragment spreads: refused by cost)',
      query: `query { ${'...P '.repeat(1_000)}} fragment P on Query { projects(first: 100) { edges { node { id name createdAt } } } }`,
    },
    {
      name: 'aliases (7,500 latentNpyBase64)',
      query: `query($e: ID!) { edit(id: $e) { ${aliases} } }`,
      variables: { e: parent.editId },
    },
    {
      name: 'children of children with latents (258 bytes)',
      query: `query($e:ID!){edit(id:$e){children(first:100){edges{node{latentNpyBase64 children(first:100){edges{node{latentNpyBase64 parent{latentNpyBase64}}}}}}}}}`,
      variables: { e: parent.editId },
    },
    {
      name: 'largest allowed page of children with latents',
      query: `query($e:ID!){edit(id:$e){children(first:15){totalCount edges{node{id seq params latentNpyBase64 jobs{id status}}}}}}`,
      variables: { e: parent.editId },
    },
  ];

  /** The second tenant's simple query, in a loop while `attack` runs: its longest latency. */
  async function victimStall(attack: Promise<unknown>): Promise<{ maxMs: number; count: number }> {
    let done = false;
    void attack.finally(() => (done = true));
    let maxMs = 0;
    let count = 0;
    while (!done) {
      const t = performance.now();
      await ok(app.gql(`{ projects(first: 1) { totalCount } }`, undefined, victim));
      maxMs = Math.max(maxMs, performance.now() - t);
      count++;
    }
    return { maxMs, count };
  }

  console.log(`amplification: ${concurrency} concurrent clients for ${seconds} s per case`);
  for (const c of cases) {
    peakRss = process.memoryUsage().rss;
    const codes = new Map<string, number>();
    let bytes = 0;
    const until = Date.now() + seconds * 1000;
    const attack = Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < until) {
          const res = await fetch(`${app.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${app.token}` },
            body: JSON.stringify({ query: c.query, variables: c.variables }),
          });
          const text = await res.text();
          bytes = Math.max(bytes, text.length);
          const body = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
          const code = body.errors?.[0]?.extensions?.code ?? `ok ${res.status}`;
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }),
    );
    const stall = await victimStall(attack);
    await attack;
    console.log(
      `  ${c.name}: ${[...codes].map(([k, n]) => `${k} x${n}`).join(', ')}; largest response ${bytes} B; ` +
        `peak RSS ${mb(peakRss)}; second tenant's longest stall ${stall.maxMs.toFixed(0)} ms (${stall.count} queries)`,
    );
  }

  // Fan-out: one socket with many faceUpdated subscriptions, then swaps on that face.
  const swap = `mutation($t: ID!, $s: ID!) { swapComponents(input: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"]}) { edit { id } } }`;
  async function swapLatencies(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await ok(app.gql(swap, { t: parent.faceId, s: source.faceId }));
      out.push(performance.now() - t);
    }
    return out;
  }
  const summary = (ms: number[]) => {
    const s = [...ms].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms, total ${ms.reduce((a, b) => a + b, 0).toFixed(0)} ms`;
  };
  console.log(`fan-out: 10 swaps without subscriptions: ${summary(await swapLatencies(10))}`);
  if (nSubscriptions > 0) await fanOut();
  async function fanOut() {
    peakRss = process.memoryUsage().rss;
    const client = createClient({
      url: app.url.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${app.token}` },
      retryAttempts: 0,
    });
    let events = 0;
    let refused = 0;
    let firstSeen = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let settled = 0;
      const settle = () => ++settled === nSubscriptions && resolve();
      for (let i = 0; i < nSubscriptions; i++) {
        let first = true;
        client.subscribe(
          {
            query: `subscription($id: ID!) { faceUpdated(id: $id) { id editCount head { id } } }`,
            variables: { id: parent.faceId },
          },
          {
            next: () => {
              events++;
              if (first) {
                first = false;
                firstSeen++;
                settle();
              }
            },
            error: () => {
              refused++;
              settle();
            },
            complete: () => {},
          },
        );
      }
      setTimeout(resolve, 120_000).unref();
    });
    console.log(
      `fan-out: ${nSubscriptions} subscriptions on one socket: ${firstSeen} active, ${refused} refused, set up in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const before = events;
    const cpu0 = process.cpuUsage();
    const latencies = await swapLatencies(10);
    // Wait for the events to reach every subscriber (or 60 s).
    const expected = before + 10 * firstSeen;
    const until = Date.now() + 60_000;
    while (events < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `fan-out: 10 swaps under ${firstSeen} subscriptions: ${summary(latencies)}; events delivered ${events - before}/${10 * firstSeen}; ` +
        `process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; peak RSS ${mb(peakRss)}`,
    );
    await client.dispose();
  }
} finally {
  clearInterval(sampler);
  await app.close();
}
console.log(`peak RSS over the whole run: ${mb(Math.max(peakRss, process.resourceUsage().maxRSS * 1024))}`);
