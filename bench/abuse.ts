// Hostile clients against a running server: the amplification cases (padded cost,
// latent aliases, children of an edit with 2,000 children), the CPU cases (picture floods of
// crafted bombs and a legal 40 MP PNG, learnAttribute on 2 x 500 faces, previewEdit) and 2,000
// subscriptions on one socket. Prints per attack the process's peak RSS and a second tenant's
// one-field query latency (p50 / p99 / max) while it runs, and the swap latency under 2,000
// subscriptions. The aim: no stall over 250 ms and RSS under 1 GB in every case.
//   node --import tsx bench/abuse.ts [--seconds 5] [--concurrency 5] [--subscriptions 2000] [--cases REGEX]
// --cases runs only the attacks whose name matches (e.g. --cases 'picture' --subscriptions 0).
// Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres), as bench/api.ts.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../src/paths.ts';
import { startTestApp } from '../test/helpers/app.ts';
import { createFace, createProject, ok } from '../test/api/util.ts';
import {
  interlacedInflationBomb,
  jpegClaiming,
  largeJpeg,
  largePng,
  manyScansJpeg,
  twoHeaderPng,
} from '../test/helpers/image-bombs.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '5' },
    subscriptions: { type: 'string', default: '2000' },
    cases: { type: 'string', default: '' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const nSubscriptions = Number(values.subscriptions);
const selected = (name: string) => new RegExp(values.cases!, 'i').test(name);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

// The crafted pictures are made before the server starts: making the 36 MP JPEG blocks this process
// (the server's too) for seconds, and keep-alive sockets that expire meanwhile fail the next fetch.
const pictures = {
  twoHeaders: twoHeaderPng(),
  inflation: interlacedInflationBomb(1000, 128),
  scans: manyScansJpeg(2000),
  claiming: jpegClaiming(8000, 6000),
  png40: largePng(8000, 5000),
  jpeg36: largeJpeg(6000, 6000),
};

// The shipped cartoon64 (it has the image encoder importImage needs) is the projects' model. No
// worker: the attacks are on the API process; the jobs they queue wait.
const app = await startTestApp({
  runWorker: false,
  logLevel: 'error',
  builtinModelsDir: path.join(PROJECT_ROOT, 'models'),
});
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

  // learnAttribute's marked faces: 2 x 500, the most it takes (the attacker's own workspace).
  const attacker = await app.newToken('attacker');
  const attackerTokens = [attacker, ...(await Promise.all([1, 2, 3, 4].map(() => app.newToken('attacker'))))];
  const attackerProject = await createProject(app.gql, 'marked', attacker);
  const marked: string[] = [];
  // Made only when a learnAttribute case runs: a thousand faces take a while.
  for (let b = 0; b < (selected('learnAttribute') ? 50 : 0); b++) {
    const fields = Array.from(
      { length: 20 },
      (_, i) =>
        `f${i}: createFace(input: {projectId: "${attackerProject}", name: "m", seed: ${b * 20 + i}, truncation: 0.7}) { face { id } }`,
    );
    const d = await ok(app.gql(`mutation { ${fields.join(' ')} }`, undefined, attacker));
    marked.push(...Object.values(d).map((f: any) => f.face.id as string));
  }
  const learn = {
    query: `mutation($i: LearnAttributeInput!) { learnAttribute(input: $i) { name accuracy } }`,
    variables: {
      i: {
        projectId: attackerProject,
        name: 'flood',
        component: 'hair',
        part: 'BOTH',
        positiveFaceIds: marked.slice(0, 500),
        negativeFaceIds: marked.slice(500),
      },
    },
  };
  const importImage = (bytes: Buffer) => ({
    token: () => attacker,
    query: `mutation($p: ID!, $img: String!) { importImage(input: {projectId: $p, name: "bomb", imageBase64: $img}) { face { id } } }`,
    variables: { p: attackerProject, img: bytes.toString('base64') },
  });

  const aliases = Array.from({ length: 7_500 }, (_, i) => `l${i}: latentNpyBase64`).join(' ');
  interface Case {
    name: string;
    query: string;
    variables?: Record<string, unknown>;
    /** Client i's token (default: the first tenant's). */
    token?: (i: number) => string;
  }
  const cases: Case[] = [
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
    { name: 'picture flood: PNG with a second 16000 x 16000 header', ...importImage(pictures.twoHeaders) },
    { name: 'picture flood: interlaced PNG inflating to 128 MB', ...importImage(pictures.inflation) },
    { name: 'picture flood: JPEG with 2,000 scans', ...importImage(pictures.scans) },
    { name: 'picture flood: JPEG claiming 8000 x 6000', ...importImage(pictures.claiming) },
    { name: 'picture flood: legal 40 MP PNG (8000 x 5000)', ...importImage(pictures.png40) },
    { name: 'picture flood: legal 36 MP JPEG (6000 x 6000)', ...importImage(pictures.jpeg36) },
    { name: 'learnAttribute on 2 x 500 faces, one token', ...learn, token: () => attacker },
    { name: 'learnAttribute on 2 x 500 faces, a token per client', ...learn, token: (i) => attackerTokens[i % 5]! },
    {
      name: 'previewEdit (hair swap, PREVIEW)',
      query: `mutation($t: ID!, $s: ID!) { previewEdit(input: {swap: {targetFaceId: $t, sourceFaceId: $s, components: ["hair"]}}) { imageUrl } }`,
      variables: { t: parent.faceId, s: source.faceId },
    },
  ];

  /** The second tenant's simple query, in a loop while `attack` runs: its latencies, sorted. */
  async function victimLatencies(attack: Promise<unknown>): Promise<number[]> {
    let done = false;
    void attack.finally(() => (done = true));
    const ms: number[] = [];
    while (!done) {
      const t = performance.now();
      await ok(app.gql(`{ projects(first: 1) { totalCount } }`, undefined, victim));
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b);
  }
  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

  console.log(`attacks: ${concurrency} concurrent clients for ${seconds} s per case`);
  for (const c of cases.filter((x) => selected(x.name))) {
    peakRss = process.memoryUsage().rss;
    const codes = new Map<string, number>();
    let bytes = 0;
    const until = Date.now() + seconds * 1000;
    const attack = Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        while (Date.now() < until) {
          const res = await fetch(`${app.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token?.(i) ?? app.token}` },
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
    const lat = await victimLatencies(attack);
    await attack;
    console.log(
      `  ${c.name}: ${[...codes].map(([k, n]) => `${k} x${n}`).join(', ')}; largest response ${bytes} B; ` +
        `peak RSS ${mb(peakRss)}; second tenant p50/p99/max ${pct(lat, 0.5).toFixed(0)}/${pct(lat, 0.99).toFixed(0)}/${lat.at(-1)!.toFixed(0)} ms (${lat.length} queries)`,
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
