// /readyz: an API-only process with queued work and no live worker is not ready.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createFace, createProject } from './util.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp({ runWorker: false });
});
after(async () => {
  await app?.close();
});

const readyz = async () => {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};

test('ready with nothing queued, not ready once work waits for a worker that is not there', async () => {
  const idle = await readyz();
  assert.equal(idle.status, 200, JSON.stringify(idle.body));
  const projectId = await createProject(app.gql, 'readiness');
  await createFace(app.gql, projectId, 1, 'waiting');
  const waiting = await readyz();
  assert.equal(waiting.status, 503, JSON.stringify(waiting.body));
  assert.equal(waiting.body.status, 'not ready');
  assert.match(waiting.body.workers, /1 job\(s\) queued and no live worker/);
});
