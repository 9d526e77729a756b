// API latency/throughput on loopback (autocannon), with the SQL statements each request costs.
//   node --import tsx bench/api.ts [--duration 10] [--connections 10] [--edits 10000] [--faces 100]
// Uses DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/postgres) for a scratch
// database; the worker is off so that renders do not compete for the CPU.
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { startTestApp } from '../test/helpers/app.ts';
import { countQueries, createFace, createProject, ok, waitForJob } from '../test/api/util.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    edits: { type: 'string', default: '10000' },
    faces: { type: 'string', default: '100' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const nEdits = Number(values.edits);
const nFaces = Number(values.faces);

// Render once with the worker, then bench without it.
const app = await startTestApp({ runWorker: true, logLevel: 'warn' });
try {
  const projectId = await createProject(app.gql, 'bench');
  const root = await createFace(app.gql, projectId, 1, 'history');
  await waitForJob(app.gql, root.jobId);
  const prisma = app.ctx.prisma;
  const t0 = Date.now();
  // 10,000 edits in one chain under the face (copies of the root's latent and render).
  await prisma.$executeRawUnsafe(
    `WITH s AS (SELECT g AS seq, gen_random_uuid() AS id FROM generate_series(2, $2::int + 1) g),
          r AS (SELECT latent, "renderId", "authorTokenId" FROM "Edit" WHERE id = $1::uuid)
     INSERT INTO "Edit" (id, "faceId", seq, "parentId", operation, params, latent, "authorTokenId", "renderId", "createdAt")
     SELECT s.id, $3::uuid, s.seq, coalesce(prev.id, $1::uuid), 'SWAP', '{"components": ["hair"], "part": "BOTH"}'::jsonb,
            r.latent, r."authorTokenId", r."renderId", now()
     FROM s LEFT JOIN s prev ON prev.seq = s.seq - 1 CROSS JOIN r`,
    root.editId,
    nEdits,
    root.faceId,
  );
  await prisma.$executeRawUnsafe(
    `UPDATE "Face" SET "editCount" = $2::int + 1, "headEditId" = (SELECT id FROM "Edit" WHERE "faceId" = $1::uuid AND seq = $2::int + 1) WHERE id = $1::uuid`,
    root.faceId,
    nEdits,
  );
  // More faces in the project, each with a rendered root edit.
  await prisma.$executeRawUnsafe(
    `WITH f AS (SELECT gen_random_uuid() AS fid, gen_random_uuid() AS eid, g FROM generate_series(1, $3::int) g),
          r AS (SELECT latent, "renderId", "authorTokenId" FROM "Edit" WHERE id = $2::uuid),
          faces AS (INSERT INTO "Face" (id, "projectId", name, "editCount", "createdAt", "updatedAt")
                    SELECT fid, $1::uuid, 'face ' || g, 1, now(), now() FROM f RETURNING id)
     INSERT INTO "Edit" (id, "faceId", seq, operation, params, latent, "authorTokenId", "renderId")
     SELECT f.eid, f.fid, 1, 'SAMPLE', '{"seed": 1}'::jsonb, r.latent, r."authorTokenId", r."renderId" FROM f CROSS JOIN r`,
    projectId,
    root.editId,
    nFaces - 1,
  );
  await prisma.$executeRawUnsafe(
    `UPDATE "Face" f SET "headEditId" = e.id FROM "Edit" e WHERE e."faceId" = f.id AND e.seq = 1 AND f."headEditId" IS NULL`,
  );
  await prisma.$executeRawUnsafe(`ANALYZE`);
  console.log(`setup: ${nEdits} edits on one face, ${nFaces} faces in the project (${Date.now() - t0} ms)`);

  const HISTORY = `query($f: ID!, $a: String) { face(id: $f) { id name editCount head { id seq } edits(first: 20, after: $a) {
    totalCount edges { cursor node { id seq operation params parentId createdAt render { id imageUrl } job { status } } }
    pageInfo { hasNextPage endCursor } } } }`;
  const FACES = `query($p: ID!) { project(id: $p) { id name faces(first: 100) { edges { cursor node {
    id name editCount head { id seq operation render { id width height imageUrl segmentationUrl } job { status } } } }
    pageInfo { hasNextPage endCursor } } } }`;
  const middle = (
    await ok(
      app.gql(`query($f: ID!) { face(id: $f) { edits(first: 100) { pageInfo { endCursor } } } }`, { f: root.faceId }),
    )
  ).face.edits.pageInfo.endCursor;

  const cases = [
    { name: 'history page (first 20 of 10,000 edits)', query: HISTORY, variables: { f: root.faceId } },
    { name: 'history page after a cursor (edits 101-120)', query: HISTORY, variables: { f: root.faceId, a: middle } },
    { name: 'project faces (first 100, heads + renders + jobs)', query: FACES, variables: { p: projectId } },
  ];
  // Count statements first, while nothing else runs (autocannon leaves requests in flight).
  const counts: number[] = [];
  for (const c of cases) {
    const check = await countQueries(() => ok(app.gql(c.query, c.variables)));
    if (process.env.BENCH_SQL) console.log(check.texts.join('\n'));
    counts.push(check.queries);
  }
  for (const [i, c] of cases.entries()) {
    const body = JSON.stringify({ query: c.query, variables: c.variables });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${app.token}` };
    const run = (conns: number) =>
      autocannon({
        url: `${app.url}/graphql`,
        method: 'POST',
        headers,
        body,
        connections: conns,
        duration: duration / 2,
        workers: 1,
      });
    await run(1); // warm-up is the first half of a sequential run; measured below
    const seq = await run(1);
    const par = await run(connections);
    const bad = seq.non2xx + par.non2xx + seq.errors + par.errors;
    console.log(
      `${c.name}\n` +
        `  SQL statements per request: ${counts[i]}\n` +
        `  1 connection:  p50 ${seq.latency.p50} ms, p99 ${seq.latency.p99} ms, ${seq.requests.average.toFixed(0)} req/s\n` +
        `  ${connections} connections: p50 ${par.latency.p50} ms, p99 ${par.latency.p99} ms, ${par.requests.average.toFixed(0)} req/s` +
        (bad ? `\n  non-2xx/errors: ${bad}` : ''),
    );
  }
} finally {
  await app.close();
}
