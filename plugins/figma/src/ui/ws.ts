// A small GraphQL over WebSocket client (the graphql-ws "graphql-transport-ws" protocol) on the
// browser's WebSocket, for subscriptions (render progress). One connection is shared by all
// subscriptions, opened on the first one and closed after a while without any.
//
// Protocol: → connection_init {payload: connectionParams}  ← connection_ack
//           → subscribe {id, payload: {query, variables}}   ← next {id, payload: ExecutionResult}*
//           ← complete {id} | ← error {id, payload: GraphQLError[]}   → complete {id} to stop early
//           ← ping → pong (and pong is ignored).
// A connection that fails before connection_ack (blocked by the network, refused, no answer)
// rejects with WsUnavailable and the client stays "unavailable" for a while, so callers fall back
// to polling right away instead of waiting for every new attempt to fail.

export interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}
export interface ExecutionResultLike<T> {
  data?: T | null;
  errors?: GraphQLErrorLike[];
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
  constructor(readonly errors: GraphQLErrorLike[]) {
    super(errors[0]?.message ?? 'The subscription was refused.');
    this.name = 'WsOperationError';
  }
}

export interface WsSink<T> {
  next(result: ExecutionResultLike<T>): void;
  error(err: WsUnavailable | WsOperationError): void;
  complete(): void;
}

/** The part of the browser WebSocket this client uses (the `ws` package's WebSocket fits too). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = new (url: string, protocol: string) => WebSocketLike;

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

const OPEN = 1;

export class GraphQLWsClient {
  private readonly Impl: WebSocketFactory | null;
  private ready: Promise<WebSocketLike> | null = null;
  private socket: WebSocketLike | null = null;
  private readonly sinks = new Map<string, WsSink<unknown>>();
  private counter = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private failedAt = -Infinity;
  /** Messages received from the server (all kinds); for diagnostics and tests. */
  received = 0;

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
    const id = String(++this.counter);
    this.sinks.set(id, sink as WsSink<unknown>);
    clearTimeout(this.idleTimer);
    this.connect().then(
      (socket) => {
        if (this.sinks.has(id)) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      },
      (err: WsUnavailable) => {
        if (this.sinks.delete(id)) sink.error(err);
      },
    );
    return () => {
      if (!this.sinks.delete(id)) return;
      if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify({ id, type: 'complete' }));
      this.scheduleIdleClose();
    };
  }

  /** Closes the connection; open subscriptions end with WsUnavailable. */
  dispose(): void {
    clearTimeout(this.idleTimer);
    this.socket?.close(1000, 'Normal Closure');
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    if (this.sinks.size) return;
    this.idleTimer = setTimeout(() => {
      if (!this.sinks.size) this.socket?.close(1000, 'Normal Closure');
    }, this.opts.idleCloseMs ?? 30_000);
  }

  private connect(): Promise<WebSocketLike> {
    if (this.ready) return this.ready;
    const Impl = this.Impl;
    if (!Impl) return Promise.reject(new WsUnavailable('WebSocket is not available here.'));
    const ready = new Promise<WebSocketLike>((resolve, reject) => {
      let acked = false;
      let socket: WebSocketLike;
      const fail = (why: string) => {
        this.failedAt = Date.now();
        reject(new WsUnavailable(why));
      };
      try {
        socket = new Impl(this.url, 'graphql-transport-ws');
      } catch (err) {
        fail(`Can't open a WebSocket to ${this.url}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      this.socket = socket;
      const ackTimer = setTimeout(() => {
        if (!acked) socket.close(4408, 'Connection acknowledgement timeout');
      }, this.opts.ackTimeoutMs ?? 5_000);

      socket.onopen = () => {
        socket.send(JSON.stringify({ type: 'connection_init', payload: this.connectionParams }));
      };
      socket.onerror = () => {
        // A close event follows; handled there.
      };
      socket.onmessage = (ev) => {
        this.received++;
        let msg: { type?: string; id?: string; payload?: unknown };
        try {
          msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as typeof msg;
        } catch {
          socket.close(4400, 'Invalid message received');
          return;
        }
        const sink = msg.id === undefined ? undefined : this.sinks.get(msg.id);
        switch (msg.type) {
          case 'connection_ack':
            acked = true;
            clearTimeout(ackTimer);
            resolve(socket);
            return;
          case 'ping':
            socket.send(JSON.stringify({ type: 'pong' }));
            return;
          case 'next':
            sink?.next(msg.payload as ExecutionResultLike<unknown>);
            return;
          case 'error':
            if (sink && this.sinks.delete(msg.id!)) {
              sink.error(new WsOperationError((msg.payload as GraphQLErrorLike[] | undefined) ?? []));
              this.scheduleIdleClose();
            }
            return;
          case 'complete':
            if (sink && this.sinks.delete(msg.id!)) {
              sink.complete();
              this.scheduleIdleClose();
            }
            return;
          default:
            return;
        }
      };
      socket.onclose = (ev) => {
        clearTimeout(ackTimer);
        clearTimeout(this.idleTimer);
        if (this.socket === socket) this.socket = null;
        if (this.ready === ready) this.ready = null;
        const why = `The WebSocket to ${this.url} closed (${ev.code}${ev.reason ? ` ${ev.reason}` : ''}).`;
        if (!acked) fail(why);
        const lost = [...this.sinks.values()];
        this.sinks.clear();
        for (const sink of lost) sink.error(new WsUnavailable(why));
      };
    });
    this.ready = ready;
    // A failed connection is not reused (the next attempt opens a new one). Callers handle the
    // rejection; this also keeps it from being reported as unhandled.
    ready.catch(() => {
      if (this.ready === ready) this.ready = null;
    });
    return ready;
  }
}
