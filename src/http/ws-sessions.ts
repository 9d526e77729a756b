// The open WebSockets of this process and their tokens. A socket's token is checked at
// connection_init, again on every operation, every `recheckMs` and at once after a revocation
// (src/auth/authenticator.ts hears of those by NOTIFY): a revoked, deleted or expired token closes
// its sockets with 4403, which ends their subscriptions. One token may hold at most
// `maxSocketsPerToken` sockets (more are closed with 4429).
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../domain/tokens.ts';

/** graphql-ws's Forbidden: the client's token is no longer accepted. */
export const CLOSE_FORBIDDEN = 4403;
/** Too many sockets for one token (graphql-ws leaves 4400-4499 to the application). */
export const CLOSE_TOO_MANY_SOCKETS = 4429;

export interface WsSession {
  socket: WebSocket;
  authorization: string;
  principal: Principal;
}

export interface WsSessions {
  /** Registers an accepted socket, or closes it with 4429 and returns undefined when its token has too many. */
  open(socket: WebSocket, authorization: string, principal: Principal): WsSession | undefined;
  /** The session's principal if its token is still accepted; otherwise the socket is closed with 4403. */
  recheck(session: WsSession): Promise<Principal | null>;
  close(): void;
}

export function createWsSessions(
  authenticator: Authenticator,
  opts: { maxSocketsPerToken: number; recheckMs: number; log: Logger },
): WsSessions {
  const sessions = new Set<WsSession>();

  const recheck = async (session: WsSession): Promise<Principal | null> => {
    const principal = await authenticator.authenticate(session.authorization).catch((err: Error) => {
      // The database is unreachable: keep the socket (HTTP fails the same way); the next check decides.
      opts.log.warn({ err: err.message }, 'could not re-check a WebSocket token');
      return session.principal;
    });
    if (principal && principal.tokenId === session.principal.tokenId) return principal;
    if (sessions.delete(session)) {
      opts.log.info({ tokenId: session.principal.tokenId }, 'WebSocket closed: its token is revoked, expired or gone');
      session.socket.close(CLOSE_FORBIDDEN, 'Forbidden: token revoked, expired or deleted');
    }
    return null;
  };

  // One sweep at a time; a revocation heard during one runs another right after it.
  let sweeping: Promise<void> | undefined;
  let again = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) {
      again = true;
      return sweeping;
    }
    sweeping = (async () => {
      do {
        again = false;
        // The authenticator's cache makes this one query per distinct token, not per socket.
        await Promise.all([...sessions].map(recheck));
      } while (again);
    })().finally(() => (sweeping = undefined));
    return sweeping;
  };
  const timer = setInterval(() => void sweep(), opts.recheckMs);
  timer.unref();
  authenticator.onRevoked(() => void sweep());

  return {
    open(socket, authorization, principal) {
      let held = 0;
      for (const s of sessions) if (s.principal.tokenId === principal.tokenId) held++;
      if (held >= opts.maxSocketsPerToken) {
        socket.close(
          CLOSE_TOO_MANY_SOCKETS,
          `Too many WebSockets: ${opts.maxSocketsPerToken} per token; multiplex operations on one socket`,
        );
        return undefined;
      }
      const session: WsSession = { socket, authorization, principal };
      sessions.add(session);
      socket.once('close', () => sessions.delete(session));
      return session;
    },
    recheck,
    close() {
      clearInterval(timer);
      sessions.clear();
    },
  };
}
