// SIGTERM on `ssg start` as a user runs it (NODE_ENV unset, so Apollo Server would install its own
// signal handlers): the process drains HTTP, lets the running job finish, logs each step and exits 0.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import pg from 'pg';
import { createToken } from '../../src/domain/tokens.ts';
import { createPrisma } from '../../src/db/client.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { READY_LINE, ssgUntil } from '../helpers/ssg.ts';

const db = await testDatabase();
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await db.drop();
});

/** `ssg start` as a user runs it: NODE_ENV unset, the test's database, a free port. */
async function start(extraEnv: Record<string, string>) {
  const env = {
    DATABASE_URL: db.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SSG_MODELS_DIR: TEST_MODELS_DIR,
  };
  const run = await ssgUntil(['start'], READY_LINE, { env: { ...env, ...extraEnv }, unset: ['NODE_ENV'] });
  children.push(run.child);
  return { child: run.child, url: run.match[1]!, exited: run.exited, output: run.output };
}

async function jobStatus(jobId: string): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query('SELECT status FROM "InferenceJob" WHERE id = $1', [jobId])).rows[0].status;
  } finally {
    await client.end();
  }
}

test('SIGTERM with a job running: drain, finish the job, one line per step, exit 0', { timeout: 240_000 }, async () => {
  const prisma = createPrisma(db.url);
  const { token } = await createToken(prisma, 'shutdown');
  await prisma.$disconnect();
  // Each job is held 3 s after its claim: SIGTERM arrives while it runs, well inside the grace.
  const app = await start({ SSG_TEST_JOB_DELAY_MS: '3000' });
  const url = app.url;
  const gql = async (query: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  };
  const { createProject } = await gql('mutation { createProject(input: {name: "P"}) { id } }');
  const { createFace } = await gql(
    `mutation { createFace(input: {projectId: "${createProject.id}", name: "A", seed: 1}) { job { id } } }`,
  );
  const jobId: string = createFace.job.id;
  for (let i = 0; i < 200 && (await jobStatus(jobId)) !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(await jobStatus(jobId), 'RUNNING');

  app.child.kill('SIGTERM');
  assert.equal(await app.exited, 0, app.output());
  assert.equal(await jobStatus(jobId), 'SUCCEEDED', 'the running job was finished, not left RUNNING');
  const lines = app.output();
  for (const step of [
    'HTTP server draining',
    'HTTP server stopped',
    'inference worker stopping',
    'job succeeded',
    'inference worker stopped',
    'stopped: models, events and database closed',
  ]) {
    assert.equal(lines.split(step).length - 1, 1, `one "${step}" line:\n${lines}`);
  }
});

test('SIGTERM on an API-only process (SSG_WORKER=0) exits 0', { timeout: 240_000 }, async () => {
  const app = await start({ SSG_WORKER: '0' });
  // The CLI installs its signal handler just after printing the ready line; one request first.
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  app.child.kill('SIGTERM');
  assert.equal(await app.exited, 0, app.output());
  assert.match(app.output(), /stopped: models, events and database closed/);
});
