// Subscriptions (render progress) over graphql-ws's own client. What this module adds is the
// fall-back policy: one connection shared by all subscriptions, opened on the first one, closed
// after a while without any; a connection that fails before connection_ack (blocked, refused, no
// answer) makes the client "unavailable" for a while, so callers poll right away instead of
// waiting for every new attempt to fail.
import { createClient, type Client } from 'graphql-ws';

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}
export interface ExecutionResultLike<T> {
  data?: T | null;
  errors?: readonly GraphQLErrorLike[];
}

/** The WebSocket could not be used (not connected, refused, or lost mid-subscription). */
export class WsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WsUnavailable';
  }
}

/** The server refused one subscription (an `error` message): validation or limit errors. */
export class WsOperationError extends Error {
  constructor(readonly errors: readonly GraphQLErrorLike[]) {
    super(errors[0]?.message ?? 'The subscription was refused.');
    this.name = 'WsOperationError';
  }
}

export interface WsSink<T> {
  next(result: ExecutionResultLike<T>): void;
  error(err: WsUnavailable | WsOperationError): void;
  complete(): void;
}

/** The part of the browser WebSocket graphql-ws uses (the `ws` package's WebSocket fits too). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** A WebSocket class; graphql-ws also requires its static CONNECTING/OPEN/CLOSING/CLOSED. */
export type WebSocketFactory = (new (url: string, protocol: string) => WebSocketLike) & {
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
};

export interface WsClientOptions {
  /** Defaults to the global WebSocket; null (or no global one) means never connect. */
  webSocket?: WebSocketFactory | null;
  /** How long to wait for connection_ack before giving up (ms). */
  ackTimeoutMs?: number;
  /** Close the connection after this long without subscriptions (ms). */
  idleCloseMs?: number;
  /** After a failed connection, report unavailable for this long before trying again (ms). */
  retryAfterMs?: number;
}

const describeClose = (err: unknown): string => {
  const ev = err as { code?: unknown; reason?: unknown } | null;
  if (ev && typeof ev.code === 'number') return `${ev.code}${ev.reason ? ` ${String(ev.reason)}` : ''}`;
  return err instanceof Error ? err.message : 'error';
};

export class GraphQLWsClient {
  private readonly Impl: WebSocketFactory | null;
  private client: Client | null = null;
  private active = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private failedAt = -Infinity;

  constructor(
    readonly url: string,
    private readonly connectionParams: Record<string, unknown>,
    private readonly opts: WsClientOptions = {},
  ) {
    const global = (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketFactory | undefined;
    this.Impl = opts.webSocket === undefined ? (global ?? null) : opts.webSocket;
  }

  /** False when there is no WebSocket, or the last attempt to connect failed recently. */
  get available(): boolean {
    return !!this.Impl && Date.now() - this.failedAt >= (this.opts.retryAfterMs ?? 60_000);
  }

  /** Starts a subscription; returns a function that stops it (safe to call more than once). */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: WsSink<T>): () => void {
    clearTimeout(this.idleTimer);
    let client: Client;
    try {
      client = this.connect();
    } catch (err) {
      this.failedAt = Date.now();
      sink.error(new WsUnavailable(`Can't open a WebSocket to ${this.url}: ${describeClose(err)}`));
      return () => {};
    }
    this.active++;
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      this.active--;
      this.scheduleIdleClose();
      return true;
    };
    const unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => sink.next(result as ExecutionResultLike<T>),
        error: (err) => {
          if (!end()) return;
          // An `error` message carries the GraphQL errors; anything else is the socket failing.
          if (Array.isArray(err)) sink.error(new WsOperationError(err as GraphQLErrorLike[]));
          else sink.error(new WsUnavailable(`The WebSocket to ${this.url} closed (${describeClose(err)}).`));
        },
        complete: () => {
          if (end()) sink.complete();
        },
      },
    );
    return () => {
      if (!end()) return;
      unsubscribe();
    };
  }

  /** Closes the connection; open subscriptions end (complete). */
  dispose(): void {
    clearTimeout(this.idleTimer);
    const client = this.client;
    this.client = null;
    void client?.dispose();
  }

  private connect(): Client {
    if (this.client) return this.client;
    if (!this.Impl) throw new Error('WebSocket is not available here.');
    let acked = false;
    // Non-lazy, so the connection outlives one subscription (the next job reuses it) until our
    // own idle close; graphql-ws's lazy-close timer would survive dispose() and hold a process open.
    const client = createClient({
      url: this.url,
      webSocketImpl: this.Impl,
      connectionParams: this.connectionParams,
      lazy: false,
      retryAttempts: 0,
      connectionAckWaitTimeout: this.opts.ackTimeoutMs ?? 5_000,
      onNonLazyError: () => {}, // reported to each subscription's sink instead
      on: {
        connected: () => {
          acked = true;
        },
        closed: () => {
          if (!acked) this.failedAt = Date.now();
          // A closed client is not reused: the next subscription opens a new one. Disposed after
          // its subscriptions heard of the close (disposing first would complete them instead).
          if (this.client === client) this.client = null;
          setTimeout(() => void client.dispose(), 0);
        },
      },
    });
    this.client = client;
    return client;
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    if (this.active || !this.client) return;
    this.idleTimer = setTimeout(() => {
      if (!this.active) this.dispose();
    }, this.opts.idleCloseMs ?? 30_000);
  }
}
