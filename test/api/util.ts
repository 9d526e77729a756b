// Helpers for the API tests (and bench/api.ts).
import assert from 'node:assert/strict';
import pg from 'pg';
import type { TestApp } from '../helpers/app.ts';

export type Gql = TestApp['gql'];

/** data of a response that must have no errors. */
export async function ok(p: Promise<{ data?: any; errors?: any[] }>): Promise<any> {
  const r = await p;
  assert.equal(r.errors, undefined, `unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.data!;
}

/** The first error's extensions.code (asserting there is one). */
export async function errorCode(p: Promise<{ data?: unknown; errors?: any[] }>): Promise<string> {
  const r = await p;
  assert.ok(r.errors?.length, `expected an error, got ${JSON.stringify(r.data)}`);
  return r.errors![0].extensions?.code;
}

export async function createProject(gql: Gql, name = 'project', token?: string): Promise<string> {
  const d = await ok(gql(`mutation($n: String!) { createProject(input: {name: $n}) { id } }`, { n: name }, token));
  return d.createProject.id;
}

export interface NewFace {
  faceId: string;
  editId: string;
  jobId: string;
}

export async function createFace(
  gql: Gql,
  projectId: string,
  seed = 1,
  name = 'face',
  token?: string,
): Promise<NewFace> {
  const d = await ok(
    gql(
      `mutation($p: ID!, $n: String!, $s: Int) { createFace(input: {projectId: $p, name: $n, seed: $s, truncation: 0.7}) {
        face { id } edit { id } job { id } } }`,
      { p: projectId, n: name, s: seed },
      token,
    ),
  );
  return { faceId: d.createFace.face.id, editId: d.createFace.edit.id, jobId: d.createFace.job.id };
}

/** Polls job(id) until it is no longer QUEUED/RUNNING. */
export async function waitForJob(gql: Gql, jobId: string, timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await ok(
      gql(
        `query($id: ID!) { job(id: $id) { id status error attempts render { id width height imageUrl segmentationUrl } } }`,
        {
          id: jobId,
        },
      ),
    );
    if (!['QUEUED', 'RUNNING'].includes(d.job.status)) return d.job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${d.job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Row counts and face heads: equal snapshots mean the database did not change. */
export async function snapshot(app: TestApp): Promise<Record<string, unknown>> {
  const rows = await app.ctx.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`
    SELECT (SELECT count(*)::int FROM "Workspace") AS workspaces,
           (SELECT count(*)::int FROM "Project") AS projects,
           (SELECT count(*)::int FROM "Face") AS faces,
           (SELECT count(*)::int FROM "Edit") AS edits,
           (SELECT count(*)::int FROM "InferenceJob") AS jobs,
           (SELECT coalesce(string_agg(id::text || ':' || coalesce("headEditId"::text, '-') || ':' || "editCount", ',' ORDER BY id), '')
              FROM "Face") AS heads`);
  return rows[0];
}

/** The queue's and the worker's own statements (they run in the background of the same process). */
const IGNORED = /graphile_worker|pg_notify|LISTEN|QueueWorker|advisory|^\s*(BEGIN|COMMIT|ROLLBACK)/i;

/**
 * Counts the SQL statements sent through node-postgres while `fn` runs (every pg client in this
 * process: Prisma's adapter pool included). Statements of the queue and the pubsub are ignored.
 */
export async function countQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number; texts: string[] }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const texts: string[] = [];
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    if (text && !IGNORED.test(text)) texts.push(text);
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, queries: texts.length, texts };
  } finally {
    proto.query = original;
  }
}
