// PubSub over PostgreSQL LISTEN/NOTIFY: an event published by a worker on one machine reaches the
// GraphQL subscriptions of every API process sharing the database.
//
// Events can also be published from SQL inside a transaction (`pg_notify(EVENTS_CHANNEL,
// json_build_object('k', key, 'p', payload))`, see src/jobs/events.ts): PostgreSQL delivers them only if it commits, so a
// subscriber never hears of a status that was rolled back.
import pg from 'pg';
import type { Logger } from 'pino';
import { createLocalPubSub } from './local-pubsub.ts';
import type { PubSub } from './types.ts';

/** The one NOTIFY channel every ssg-studio process listens on. */
export const EVENTS_CHANNEL = 'ssg_events';

export interface PgPubSub extends PubSub {
  close(): Promise<void>;
}

interface Envelope {
  k: string;
  p: unknown;
}

export async function createPgPubSub(databaseUrl: string, log: Logger): Promise<PgPubSub> {
  const local = createLocalPubSub();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', (err) => log.warn({ err: err.message }, 'pubsub pool client error'));
  let listener: pg.Client | undefined;
  let closed = false;
  let retryMs = 250;

  const deliver = (raw: string | undefined) => {
    if (!raw) return;
    try {
      const env = JSON.parse(raw) as Envelope;
      local.deliver(env.k, env.p);
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
      // Through the database, so subscribers in every process hear it (in-transaction events are
      // written in SQL instead: src/jobs/events.ts).
      const envelope = JSON.stringify({ k: routingKey, p: args[0] } satisfies Envelope);
      void pool
        .query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, envelope])
        .catch((err: Error) => log.warn({ err: err.message, routingKey }, 'publish failed'));
    },
    subscribe: local.subscribe,
    async close() {
      closed = true;
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}
