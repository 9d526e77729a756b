// PubSub over PostgreSQL LISTEN/NOTIFY: an event published by a worker on one machine reaches the
// GraphQL subscriptions of every API process sharing the database.
import { EventEmitter, on } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import type { PubSub } from './types.ts';

const CHANNEL = 'ssg_events';

export interface PgPubSub extends PubSub {
  /** Publishes through `query` (e.g. a transaction) so the event is sent only if it commits. */
  publishWith(query: (sql: string, params: unknown[]) => Promise<unknown>, routingKey: string, payload: unknown): Promise<void>;
  close(): Promise<void>;
}

interface Envelope {
  k: string;
  p: unknown;
}

function routeOf(routingKey: string, payload: unknown): string[] {
  // Subscribers listen on "KEY" (all) or "KEY:<id>" for one job or face.
  const p = payload as { jobId?: string; faceId?: string } | null;
  const id = routingKey.startsWith('JOB') ? p?.jobId : p?.faceId;
  return id ? [routingKey, `${routingKey}:${id}`] : [routingKey];
}

export async function createPgPubSub(databaseUrl: string, log: Logger): Promise<PgPubSub> {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let listener: pg.Client | undefined;
  let closed = false;

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      try {
        const env = JSON.parse(msg.payload) as Envelope;
        for (const key of routeOf(env.k, env.p)) emitter.emit(key, env.p);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'bad notification payload');
      }
    });
    // A dropped LISTEN connection would silently stop live updates: reconnect.
    client.on('error', (err) => {
      log.warn({ err: err.message }, 'pubsub listener lost its connection; reconnecting');
      client.end().catch(() => {});
      if (!closed) setTimeout(() => void connectListener().catch(() => {}), 500).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    listener = client;
  };
  await connectListener();

  const payloadOf = (routingKey: string, payload: unknown) => JSON.stringify({ k: routingKey, p: payload });

  return {
    publish(routingKey: string, ...args: unknown[]) {
      void pool
        .query('SELECT pg_notify($1, $2)', [CHANNEL, payloadOf(routingKey, args[0])])
        .catch((err: Error) => log.warn({ err: err.message, routingKey }, 'publish failed'));
    },
    async publishWith(query, routingKey, payload) {
      await query('SELECT pg_notify($1, $2)', [CHANNEL, payloadOf(routingKey, payload)]);
    },
    subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
      const key = dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
      const ac = new AbortController();
      const events = on(emitter, key, { signal: ac.signal });
      return {
        [Symbol.asyncIterator]() {
          return {
            async next() {
              try {
                const r = await events.next();
                return r.done ? r : { done: false, value: (r.value as unknown[])[0] };
              } catch (err) {
                if ((err as Error).name === 'AbortError') return { done: true, value: undefined };
                throw err;
              }
            },
            async return() {
              ac.abort();
              return { done: true, value: undefined };
            },
          };
        },
      };
    },
    async close() {
      closed = true;
      await listener?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
