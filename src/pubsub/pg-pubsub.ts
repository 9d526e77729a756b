// PubSub over PostgreSQL LISTEN/NOTIFY: an event published by a worker on one machine reaches the
// GraphQL subscriptions of every API process sharing the database.
//
// Events can also be published from SQL inside a transaction (`SELECT pg_notify(EVENTS_CHANNEL,
// eventEnvelope(...))`, see src/jobs/events.ts): PostgreSQL delivers them only if it commits, so a
// subscriber never hears of a status that was rolled back.
import { EventEmitter, on } from 'node:events';
import pg from 'pg';
import type { Logger } from 'pino';
import type { PubSub } from './types.ts';

/** The one NOTIFY channel every ssg-studio process listens on. */
export const EVENTS_CHANNEL = 'ssg_events';

export interface PgPubSub extends PubSub {
  /** Publishes through `query` (e.g. a transaction) so the event is sent only if it commits. */
  publishWith(
    query: (sql: string, params: unknown[]) => Promise<unknown>,
    routingKey: string,
    payload: unknown,
  ): Promise<void>;
  close(): Promise<void>;
}

interface Envelope {
  k: string;
  p: unknown;
}

/** The NOTIFY payload for an event (PostgreSQL limits it to 8000 bytes; ours are ~150). */
export function eventEnvelope(routingKey: string, payload: unknown): string {
  return JSON.stringify({ k: routingKey, p: payload } satisfies Envelope);
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
  pool.on('error', (err) => log.warn({ err: err.message }, 'pubsub pool client error'));
  let listener: pg.Client | undefined;
  let closed = false;
  let retryMs = 250;

  const deliver = (raw: string | undefined) => {
    if (!raw) return;
    try {
      const env = JSON.parse(raw) as Envelope;
      for (const key of routeOf(env.k, env.p)) emitter.emit(key, env.p);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'bad notification payload');
    }
  };

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    let lost = false;
    const onLost = (why: string) => {
      if (lost) return;
      lost = true;
      if (listener === client) listener = undefined;
      client.end().catch(() => {});
      if (closed) return;
      // A dropped LISTEN connection would silently stop live updates: reconnect, backing off.
      log.warn({ why, retryMs }, 'pubsub listener lost its connection; reconnecting');
      const t = setTimeout(() => {
        connectListener().catch((err: Error) => onRetryFailed(err));
      }, retryMs);
      t.unref();
      retryMs = Math.min(retryMs * 2, 5000);
    };
    client.on('notification', (msg) => {
      if (msg.channel === EVENTS_CHANNEL) deliver(msg.payload);
    });
    client.on('error', (err) => onLost(err.message));
    client.on('end', () => onLost('connection ended'));
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    retryMs = 250;
  };
  const onRetryFailed = (err: Error) => {
    if (closed) return;
    log.warn({ err: err.message, retryMs }, 'pubsub listener reconnect failed; retrying');
    const t = setTimeout(() => {
      connectListener().catch((e: Error) => onRetryFailed(e));
    }, retryMs);
    t.unref();
    retryMs = Math.min(retryMs * 2, 5000);
  };
  await connectListener();

  return {
    publish(routingKey: string, ...args: unknown[]) {
      void pool
        .query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, eventEnvelope(routingKey, args[0])])
        .catch((err: Error) => log.warn({ err: err.message, routingKey }, 'publish failed'));
    },
    async publishWith(query, routingKey, payload) {
      await query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, eventEnvelope(routingKey, payload)]);
    },
    subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
      const key = dynamicId === undefined || dynamicId === null ? routingKey : `${routingKey}:${String(dynamicId)}`;
      // Listening starts now, not at the first next(): a resolver can subscribe, then read the
      // current state from the database, and miss no event in between. Events are buffered until
      // read; return() (graphql-ws calls it when the client unsubscribes) stops listening.
      const ac = new AbortController();
      const events = on(emitter, key, { signal: ac.signal });
      const iterator: AsyncIterator<unknown> = {
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
        async throw(err?: unknown) {
          ac.abort();
          throw err;
        },
      };
      return { [Symbol.asyncIterator]: () => iterator };
    },
    async close() {
      closed = true;
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
