// The PubSub handed to type-graphql's buildSchema: the app's LISTEN/NOTIFY pubsub, so an event
// published by one process reaches subscribers in another, and the schema is built over it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { printSchema } from 'graphql';
import pg from 'pg';
import { pino } from 'pino';
import { EVENTS_CHANNEL, createPgPubSub, type PgPubSub } from '../../src/pubsub/pg-pubsub.ts';
import { Topics } from '../../src/pubsub/types.ts';
import { buildAppSchema } from '../../src/resolvers/schema.ts';
import { testDatabase } from '../helpers/db.ts';

let db: Awaited<ReturnType<typeof testDatabase>>;
let api: PgPubSub;
let worker: PgPubSub;
before(async () => {
  db = await testDatabase();
  const log = pino({ level: 'silent' });
  api = await createPgPubSub(db.url, log);
  worker = await createPgPubSub(db.url, log);
});
after(async () => {
  await api?.close();
  await worker?.close();
  await db?.drop();
});

test('publish in one process reaches the subscribers of that id in another', async () => {
  const mine = api.subscribe(Topics.FACE_UPDATED, 'face-1')[Symbol.asyncIterator]();
  const others = api.subscribe(Topics.FACE_UPDATED, 'face-2')[Symbol.asyncIterator]();
  const all = api.subscribe(Topics.FACE_UPDATED)[Symbol.asyncIterator]();
  worker.publish(Topics.FACE_UPDATED, { faceId: 'face-1', reason: 'RENDER' });
  assert.deepEqual((await mine.next()).value, { faceId: 'face-1', reason: 'RENDER' });
  assert.deepEqual((await all.next()).value, { faceId: 'face-1', reason: 'RENDER' });
  const nothing = await Promise.race([others.next(), new Promise((r) => setTimeout(() => r('none'), 300))]);
  assert.equal(nothing, 'none', 'a subscriber of another face hears nothing');
  await Promise.all([mine.return!(), others.return!(), all.return!()]);
});

test('the schema is built over the pubsub it is given (not a stub), with one SDL for all', async () => {
  const overApi = await buildAppSchema(api);
  assert.equal(await buildAppSchema(api), overApi, 'built once per pubsub');
  const overWorker = await buildAppSchema(worker);
  assert.notEqual(overWorker, overApi);
  assert.equal(printSchema(overWorker), printSchema(overApi));
  assert.ok(overApi.getSubscriptionType()?.getFields().faceUpdated);
});

test('a dropped LISTEN connection comes back by itself (src/db/listener.ts), and events flow again', async () => {
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND query = 'LISTEN ${EVENTS_CHANNEL}' AND pid <> pg_backend_pid()`,
    );
    assert.ok(killed.rowCount! >= 1, 'the listeners were connected');
  } finally {
    await admin.end();
  }
  const it = api.subscribe(Topics.FACE_UPDATED, 'face-3')[Symbol.asyncIterator]();
  // Publish until the reconnected listener hears one (it backs off from 250 ms).
  const next = it.next().then((r) => r.value);
  let heard: unknown;
  for (let i = 0; i < 40 && !heard; i++) {
    worker.publish(Topics.FACE_UPDATED, { faceId: 'face-3', reason: 'EDIT' });
    heard = await Promise.race([next, new Promise((r) => setTimeout(r, 250))]);
  }
  assert.deepEqual(heard, { faceId: 'face-3', reason: 'EDIT' });
  await it.return!();
});
