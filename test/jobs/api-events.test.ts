// The API and a worker as separate processes sharing one PostgreSQL: a client subscribed to
// jobUpdated over graphql-ws sees the job go from QUEUED to SUCCEEDED (events cross processes through
// LISTEN/NOTIFY), and the render is then served over HTTP.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { freePort } from '../../src/db/database.ts';
import { createToken } from '../../src/domain/tokens.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { ssgUntil } from '../helpers/ssg.ts';
import { openJobsContext, waitFor, type JobsTestContext } from './helpers.ts';

let t: JobsTestContext;
const children: ChildProcess[] = [];

before(async () => {
  t = await openJobsContext();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)),
  );
  await t?.close();
});

/** `ssg ARGS` beside this test, on its database, once its output says `readyText`. */
async function ssg(args: string[], env: Record<string, string>, readyText: string): Promise<ChildProcess> {
  const run = await ssgUntil(args, new RegExp(readyText), {
    cwd: PROJECT_ROOT,
    env: { DATABASE_URL: t.databaseUrl, SSG_MODELS_DIR: TEST_MODELS_DIR, LOG_LEVEL: 'warn', ...env },
  });
  children.push(run.child);
  return run.child;
}

test(
  'jobUpdated over graphql-ws from QUEUED to SUCCEEDED, API and worker in separate processes',
  { timeout: 120_000 },
  async () => {
    const port = await freePort();
    await ssg(
      ['start'],
      { PORT: String(port), HOST: '127.0.0.1', SSG_WORKER: '0', SSG_METRICS_TOKEN: 'metrics-test' },
      'ssg-studio is ready',
    );
    const base = `http://127.0.0.1:${port}`;
    const { token } = await createToken(t.ctx.prisma, 'api-events');
    const gql = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data;
    };
    const { createProject } = await gql(`mutation { createProject(input: {name: "p"}) { id } }`);
    const { createFace } = await gql(
      `mutation($p: ID!) { createFace(input: {projectId: $p, name: "f", seed: 7}) { job { id status } edit { id } } }`,
      { p: createProject.id },
    );
    const jobId: string = createFace.job.id;
    assert.equal(createFace.job.status, 'QUEUED');

    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const seen: { status: string; renderId?: string; imageUrl?: string }[] = [];
    let completed = false;
    let failure: unknown;
    const unsubscribe = client.subscribe<{
      jobUpdated: { status: string; render: { id: string; imageUrl: string } | null };
    }>(
      {
        query: `subscription($id: ID!) { jobUpdated(id: $id) { id status attempts render { id imageUrl } } }`,
        variables: { id: jobId },
      },
      {
        next: (msg) => {
          if (msg.errors) failure = msg.errors;
          const j = msg.data?.jobUpdated;
          if (j) seen.push({ status: j.status, renderId: j.render?.id, imageUrl: j.render?.imageUrl });
        },
        error: (err) => (failure = err),
        complete: () => (completed = true),
      },
    );
    try {
      // No worker runs yet: the subscription's first message is the job as it is, QUEUED.
      await waitFor('the first jobUpdated message', async () => seen.length > 0 || failure, 20_000);
      assert.equal(failure, undefined);
      assert.equal(seen[0]!.status, 'QUEUED');

      await ssg(['worker'], { SSG_WORKER_CONCURRENCY: '2' }, 'worker running');
      await waitFor('the subscription to complete', async () => completed || failure, 60_000);
      assert.equal(failure, undefined);
      const statuses = seen.map((s) => s.status);
      assert.equal(statuses.at(-1), 'SUCCEEDED', statuses.join(' -> '));
      assert.deepEqual(
        [...new Set(statuses)].filter((s) => s !== 'RUNNING'),
        ['QUEUED', 'SUCCEEDED'],
        statuses.join(' -> '),
      );
      const last = seen.at(-1)!;
      assert.ok(last.renderId && last.imageUrl);
      const png = await fetch(new URL(last.imageUrl!, base), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(png.status, 200);
      assert.equal(
        Buffer.from(await png.arrayBuffer())
          .subarray(1, 4)
          .toString(),
        'PNG',
      );

      // The API process serves the queue metrics (computed from the database on scrape) to the metrics token.
      const metrics = await (
        await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer metrics-test' } })
      ).text();
      assert.match(metrics, /ssg_queue_depth\{state="ready"\} 0/);
      assert.match(metrics, /ssg_workers_alive 1/);
    } finally {
      unsubscribe();
      await client.dispose();
    }
  },
);
