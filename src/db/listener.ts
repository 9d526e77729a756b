// One LISTEN connection that stays up: on a lost connection it reconnects, backing off from
// 250 ms to 5 s, and says so in the log. Used by the event pubsub and the token revocation
// listener (a dropped LISTEN would otherwise silently stop live updates or revocations).
import pg from 'pg';
import type { Logger } from 'pino';

export interface ListenerOptions {
  databaseUrl: string;
  channel: string;
  log: Logger;
  /** Names the listener in log lines, e.g. "pubsub listener". */
  what: string;
  onNotification(payload: string | undefined): void;
  /** Called when the connection drops (notifications may be missed until it is back). */
  onLost?(): void;
}

export interface Listener {
  /** True while LISTEN is active (false between a loss and the reconnect). */
  readonly listening: boolean;
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

/** Connects and LISTENs (rejects when the first connection fails); then keeps it up until close(). */
export async function createListener(opts: ListenerOptions): Promise<Listener> {
  let current: pg.Client | undefined;
  let closed = false;
  let retryMs = FIRST_RETRY_MS;

  const retryLater = () => {
    const t = setTimeout(() => {
      connect().catch((err: Error) => {
        if (closed) return;
        opts.log.warn({ err: err.message, retryMs }, `${opts.what} reconnect failed; retrying`);
        retryLater();
      });
    }, retryMs);
    t.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    let lost = false;
    const onLost = (why: string) => {
      if (lost) return;
      lost = true;
      if (current === client) current = undefined;
      client.end().catch(() => {});
      opts.onLost?.();
      if (closed) return;
      opts.log.warn({ why, retryMs }, `${opts.what} lost its connection; reconnecting`);
      retryLater();
    };
    client.on('notification', (msg) => {
      if (msg.channel === opts.channel) opts.onNotification(msg.payload);
    });
    client.on('error', (err) => onLost(err.message));
    client.on('end', () => onLost('connection ended'));
    await client.connect();
    await client.query(`LISTEN ${opts.channel}`);
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    retryMs = FIRST_RETRY_MS;
  };
  await connect();

  return {
    get listening() {
      return current !== undefined;
    },
    async close() {
      closed = true;
      const c = current;
      current = undefined;
      await c?.end().catch(() => {});
    },
  };
}
