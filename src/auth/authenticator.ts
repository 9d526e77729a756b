// The per-process token check in front of every HTTP request and WebSocket connection.
//
// Accepted tokens are cached for a few seconds so that a request does not pay a query for its
// token. Revocation must still take effect at once in every process: `revokeToken` sends a NOTIFY
// on TOKEN_REVOKED_CHANNEL in the revoking statement, and each authenticator LISTENs on its own
// connection and empties its cache when one arrives. While that connection is down nothing is
// cached (every request asks the database), so a missed notification cannot keep a token alive.
import pg from 'pg';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.ts';
import { TOKEN_REVOKED_CHANNEL, authenticate, hashToken, type Principal } from '../domain/tokens.ts';

export interface AuthenticatorOptions {
  databaseUrl: string;
  log: Logger;
  /** How long an accepted token is trusted without asking the database (revocation empties it sooner). */
  ttlMs?: number;
  maxEntries?: number;
  /** `lastUsedAt` is written at most once per this interval per token, not on every request. */
  lastUsedIntervalMs?: number;
}

export interface Authenticator {
  authenticate(authorization: string | undefined | null): Promise<Principal | null>;
  /** Calls `listener` after every revocation this process hears of (the cache is empty by then). */
  onRevoked(listener: () => void): void;
  close(): Promise<void>;
}

interface CacheEntry {
  principal: Principal;
  until: number;
}

export async function createAuthenticator(prisma: PrismaClient, opts: AuthenticatorOptions): Promise<Authenticator> {
  const ttlMs = opts.ttlMs ?? 5_000;
  const maxEntries = opts.maxEntries ?? 1_000;
  const lastUsedIntervalMs = opts.lastUsedIntervalMs ?? 60_000;
  const cache = new Map<string, CacheEntry>();
  /** When this process last wrote (or read) each token's lastUsedAt, in ms. */
  const lastUsedSeen = new Map<string, number>();
  // Bumped on every revocation: a lookup that started before one must not refill the cache.
  let generation = 0;
  let listening = false;
  let closed = false;
  let listener: pg.Client | undefined;
  let retryMs = 250;
  const revokedListeners: (() => void)[] = [];

  const invalidate = () => {
    generation++;
    cache.clear();
  };

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: opts.databaseUrl });
    let lost = false;
    const onLost = (why: string) => {
      if (lost) return;
      lost = true;
      listening = false;
      invalidate();
      if (listener === client) listener = undefined;
      client.end().catch(() => {});
      if (closed) return;
      opts.log.warn({ why, retryMs }, 'token revocation listener lost its connection; reconnecting');
      reconnectLater();
    };
    client.on('notification', (msg) => {
      if (msg.channel !== TOKEN_REVOKED_CHANNEL) return;
      invalidate();
      opts.log.info({ tokenId: msg.payload }, 'token revoked; authentication cache emptied');
      for (const listener of revokedListeners) listener();
    });
    client.on('error', (err) => onLost(err.message));
    client.on('end', () => onLost('connection ended'));
    await client.connect();
    await client.query(`LISTEN ${TOKEN_REVOKED_CHANNEL}`);
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    listening = true;
    retryMs = 250;
  };
  const reconnectLater = () => {
    const t = setTimeout(() => {
      connect().catch((err: Error) => {
        if (closed) return;
        opts.log.warn({ err: err.message, retryMs }, 'token revocation listener reconnect failed; retrying');
        reconnectLater();
      });
    }, retryMs);
    t.unref();
    retryMs = Math.min(retryMs * 2, 5_000);
  };
  await connect();

  const recordUse = (tokenId: string, lastUsedAt: Date | null, now: number) => {
    const seen = lastUsedSeen.get(tokenId) ?? lastUsedAt?.getTime() ?? 0;
    if (now - seen < lastUsedIntervalMs) return;
    if (lastUsedSeen.size >= 10 * maxEntries) lastUsedSeen.clear();
    lastUsedSeen.set(tokenId, now);
    // Conditional, so that several processes together also write about once per interval.
    prisma.$executeRaw`
      UPDATE "ApiToken" SET "lastUsedAt" = now()
      WHERE id = ${tokenId}::uuid
        AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - ${lastUsedIntervalMs} * interval '1 millisecond')`.catch(
      (err: Error) => opts.log.warn({ err: err.message, tokenId }, 'could not record token use'),
    );
  };

  return {
    async authenticate(authorization) {
      if (!authorization) return null;
      const now = Date.now();
      const key = hashToken(authorization);
      const hit = cache.get(key);
      if (hit && hit.until > now) {
        recordUse(hit.principal.tokenId, null, now);
        return hit.principal;
      }
      const startedAt = generation;
      const accepted = await authenticate(prisma, authorization, new Date(now));
      if (!accepted) {
        cache.delete(key);
        return null;
      }
      const principal: Principal = { tokenId: accepted.tokenId, workspaceId: accepted.workspaceId };
      recordUse(principal.tokenId, accepted.lastUsedAt, now);
      if (listening && startedAt === generation) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        // An expiring token leaves the cache when it expires, not up to ttlMs later.
        const until = Math.min(now + ttlMs, accepted.expiresAt?.getTime() ?? Infinity);
        cache.set(key, { principal, until });
      }
      return principal;
    },
    onRevoked(listener) {
      revokedListeners.push(listener);
    },
    async close() {
      closed = true;
      listening = false;
      invalidate();
      await listener?.end().catch(() => {});
      listener = undefined;
    },
  };
}
