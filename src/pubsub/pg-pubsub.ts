// PubSub over PostgreSQL LISTEN/NOTIFY: an event published by a worker on one machine reaches the
// GraphQL subscriptions of every API process sharing the database.
//
// Events can also be published from SQL inside a transaction (`pg_notify(EVENTS_CHANNEL,
// json_build_object('k', key, 'p', payload))`, see src/jobs/events.ts): PostgreSQL delivers them only if it commits, so a
// subscriber never hears of a status that was rolled back.
import pg from 'pg';
import type { Logger } from 'pino';
import { createListener } from '../db/listener.ts';
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
  const deliver = (raw: string | undefined) => {
    if (!raw) return;
    try {
      const env = JSON.parse(raw) as Envelope;
      local.deliver(env.k, env.p);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'bad notification payload');
    }
  };

  const listener = await createListener({
    databaseUrl,
    channel: EVENTS_CHANNEL,
    log,
    what: 'pubsub listener',
    onNotification: deliver,
  });

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
      await listener.close();
      await pool.end().catch(() => {});
    },
  };
}
