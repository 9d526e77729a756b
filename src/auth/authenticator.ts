// The per-process token check in front of every HTTP request and WebSocket connection.
//
// Accepted tokens are cached for a few seconds so that a request does not pay a query for its
// token. Revocation must still take effect at once in every process: `revokeToken` sends a NOTIFY
// on TOKEN_REVOKED_CHANNEL in the revoking statement, and each authenticator LISTENs on its own
// connection and empties its cache when one arrives. While that connection is down nothing is
// cached (every request asks the database), so a missed notification cannot keep a token alive.
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.ts';
import { createListener } from '../db/listener.ts';
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
  const revokedListeners: (() => void)[] = [];
  const invalidate = () => {
    generation++;
    cache.clear();
  };

  const listener = await createListener({
    databaseUrl: opts.databaseUrl,
    channel: TOKEN_REVOKED_CHANNEL,
    log: opts.log,
    what: 'token revocation listener',
    onNotification(tokenId) {
      invalidate();
      opts.log.info({ tokenId }, 'token revoked; authentication cache emptied');
      for (const onRevoked of revokedListeners) onRevoked();
    },
    // Revocations may be missed while the connection is down: forget what is cached.
    onLost: invalidate,
  });

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
      if (listener.listening && startedAt === generation) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        // An expiring token leaves the cache when it expires, not up to ttlMs later.
        const until = Math.min(now + ttlMs, accepted.expiresAt?.getTime() ?? Infinity);
        cache.set(key, { principal, until });
      }
      return principal;
    },
    onRevoked(onRevoked) {
      revokedListeners.push(onRevoked);
    },
    async close() {
      await listener.close();
      invalidate();
    },
  };
}
