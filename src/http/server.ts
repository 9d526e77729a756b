// The HTTP server: GraphQL over HTTP (Apollo Server 5, custom integration) and WebSocket
// (graphql-ws), render images, latent export, health, readiness and metrics. CORS on every route.
// Transport limits: a request must arrive within config.requestTimeoutMs and its body within
// config.bodyTimeoutMs; a WebSocket holds at most config.wsMaxOperationsPerSocket operations and a
// token config.wsMaxSocketsPerToken sockets (src/http/ws-sessions.ts re-checks their tokens).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { capResponse, capWsResult } from './response-cap.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppContext } from '../context.ts';
import { ErrorCode, appError, unauthenticated } from '../domain/errors.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import type { Principal } from '../domain/tokens.ts';
import { createGqlContext, type GqlContext } from '../resolvers/context.ts';
import { formatErrors, formatExecutionResult, formatGraphQLError } from '../resolvers/format-error.ts';
import { isTokenLimitError, limitCodeOf, limitMessage, limitRules, tooManyTokens } from '../resolvers/limits.ts';
import { buildAppSchema } from '../resolvers/schema.ts';
import { isFileRoute, serveFile } from './files.ts';
import { metricsAccess } from './metrics-access.ts';
import { readiness } from './readiness.ts';
import { isSigned, verifySignedUrl } from '../domain/signed-urls.ts';
import { baseUrlOf, trustedProxyList } from './base-url.ts';
import {
  BodyAborted,
  BodyLengthMismatch,
  BodyTimeout,
  BodyTooLarge,
  drainBody,
  MAX_DRAIN_BYTES,
  readBody,
} from './body.ts';
import { corsHandler } from './cors.ts';
import { sendBodyTimeout, sendError, sendJson, sendTooLarge } from './respond.ts';
import { createWsSessions, type WsSession } from './ws-sessions.ts';

/** How long running HTTP requests may take to finish once shutdown starts. */
const HTTP_DRAIN_GRACE_MS = 2_000;

export interface HttpServer {
  server: http.Server;
  /** GET /metrics alone, to listen on config.metricsPort; undefined when that is not set. */
  metricsServer: http.Server | undefined;
  stop(): Promise<void>;
}

type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

async function loadMetricsHandler(): Promise<MetricsHandler | undefined> {
  try {
    const mod = (await import('../metrics.ts')) as { metricsHandler?: MetricsHandler };
    return mod.metricsHandler;
  } catch {
    return undefined;
  }
}

export async function createHttpServer(app: AppContext): Promise<HttpServer> {
  const schema = await buildAppSchema(app.pubsub);
  const authenticator = await createAuthenticator(app.prisma, { databaseUrl: app.databaseUrl, log: app.log });
  const authenticate = authenticator.authenticate;
  const metricsHandler = await loadMetricsHandler();
  // Depth, cost and mutation limits: the same validation rules on both transports.
  const latentFloats = Math.max(0, ...app.models.list().map((m) => m.layout.nLatent * m.layout.dim));
  const limits = limitRules(app.config.limits, { latentFloats });
  const { config } = app;
  const proxies = trustedProxyList(config.trustedProxies);
  const cors = corsHandler(config.corsOrigins);
  const server = http.createServer({
    requestTimeout: config.requestTimeoutMs,
    // Node checks the request timeout this often (its default, 30 s, would let a slow body run on).
    connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMs),
  });
  const wsSessions = createWsSessions(authenticator, {
    maxSocketsPerToken: config.wsMaxSocketsPerToken,
    recheckMs: config.wsAuthRecheckMs,
    log: app.log,
  });
  // noServer: attached to the HTTP server only through 'upgrade', so a listen error (port in use)
  // stays the HTTP server's to report instead of being re-emitted on the WebSocket server.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit('connection', ws, request));
  });

  // ----- WebSocket subscriptions (graphql-ws): authenticated by connectionParams.authorization.
  type WsExtra = { request: IncomingMessage; socket: WebSocket; session?: WsSession };
  const wsCleanup = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      schema,
      async onConnect(ctx) {
        const header = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
        const authorization = typeof header === 'string' ? header : undefined;
        const principal = await authenticate(authorization);
        if (!principal) return false; // closes with 4403 Forbidden
        ctx.extra.session = wsSessions.open(ctx.extra.socket, authorization!, principal);
        return ctx.extra.session !== undefined; // else closed with 4429 already
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        // Counted before anything is awaited, so that operations arriving together are counted in
        // order; ctx.subscriptions holds this operation too.
        if (Object.keys(ctx.subscriptions).length > config.wsMaxOperationsPerSocket) {
          return [
            appError(
              ErrorCode.TOO_MANY_OPERATIONS,
              `at most ${config.wsMaxOperationsPerSocket} operations at once on one WebSocket; complete some first`,
            ),
          ];
        }
        // The token is checked again for every operation: a revoked one closes the socket (4403).
        const principal = await wsSessions.recheck(ctx.extra.session!);
        if (!principal) return [unauthenticated()];
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: app.config.limits.maxTokens });
        } catch (err) {
          if (isTokenLimitError(err)) return [tooManyTokens(err as GraphQLError)];
          return [err as GraphQLError];
        }
        const errors = validate(schema, document, [...specifiedRules, ...limits]);
        if (errors.length) return errors.map(stripHttp);
        return {
          schema,
          document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: createGqlContext(app, principal, baseUrlOf(ctx.extra.request, proxies)),
        };
      },
      // The same masking and logging as HTTP (formatError below), then the response size cap.
      onNext: (_ctx, _id, _payload, _args, result) => {
        const formatted = formatExecutionResult(app.log, result);
        return capWsResult(formatted as ExecutionResult, app.config.limits.maxResponseBytes) ?? formatted;
      },
      onError: (_ctx, _id, _payload, errors) => formatErrors(app.log, errors),
    },
    wsServer,
  );

  // ----- Apollo Server (HTTP)
  // Subscriptions are served over WebSocket only; over HTTP they would run the resolver with no event.
  const subscriptionsOverHttpPlugin: ApolloServerPlugin<GqlContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'subscriptions are served over WebSocket (graphql-ws protocol) at /graphql, not over HTTP',
            { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
          );
        },
      };
    },
  };
  const apollo = new ApolloServer<GqlContext>({
    schema,
    introspection: true,
    // Every operation needs the Authorization header, which no browser sends cross-site without a
    // CORS preflight: that header is the CSRF proof, so GET queries (urql's default) pass with it.
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    includeStacktraceInErrorResponses: false,
    // The CLI owns SIGINT/SIGTERM and stops the whole app in order (HTTP, worker, database).
    // Apollo's own handler would stop only itself and then re-send the signal, which the CLI
    // reads as a second Ctrl-C (exit 1, running jobs left RUNNING).
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: app.config.limits.maxTokens },
    validationRules: limits, // after GraphQL's own rules
    plugins: [
      // apollo.stop(): stop accepting connections, let running requests finish (idle keep-alive
      // sockets close at once), and cut the rest after the grace period.
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: HTTP_DRAIN_GRACE_MS }),
      subscriptionsOverHttpPlugin,
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
    formatError(formatted, error) {
      // Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED: keep the limits' own codes.
      const limitCode = limitCodeOf(error);
      if (limitCode)
        return {
          ...formatted,
          message: limitMessage(formatted.message),
          extensions: { ...formatted.extensions, code: limitCode },
        };
      return formatGraphQLError(app.log, formatted, unwrapResolverError(error), 'http');
    },
  });
  await apollo.start();

  async function handleGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    principal: Principal | undefined,
  ): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, config.bodyTimeoutMs);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          await drainBody(req, MAX_DRAIN_BYTES, config.bodyTimeoutMs);
          return sendTooLarge(res);
        }
        if (err instanceof BodyTimeout) return sendBodyTimeout(res, config.bodyTimeoutMs);
        if (err instanceof BodyAborted) return void res.destroy();
        if (err instanceof BodyLengthMismatch)
          return sendError(res, 400, 'BAD_REQUEST', 'request body length does not match Content-Length', {
            connection: 'close',
          });
        throw err;
      }
      const type = req.headers['content-type'] ?? '';
      if (type.includes('json')) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return sendError(res, 400, 'BAD_REQUEST', 'request body is not valid JSON');
        }
      } else body = raw.toString('utf8');
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method!.toUpperCase(),
      headers,
      search: url.search,
      body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      // No principal: only the landing page (answered before the context is built) is served.
      context: async () => {
        if (!principal) throw unauthorizedHttp();
        return createGqlContext(app, principal, baseUrlOf(req, proxies));
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(capResponse(res, response.body.string, app.config.limits.maxResponseBytes));
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!cors(req, res)) return; // a preflight, answered
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, 400, ErrorCode.BAD_USER_INPUT, 'the request target is not a valid path');
    }
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const r = await readiness(app);
      return sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', ...r.checks });
    }
    if (path === '/metrics') {
      const refusal = metricsAccess(config, req);
      if (refusal) return sendError(res, refusal.status, refusal.code, refusal.message, refusal.headers);
      if (metricsHandler) return void (await metricsHandler(req, res));
      return sendError(res, 404, ErrorCode.NOT_FOUND, 'metrics are not available in this build');
    }
    const isGraphQL = path === '/graphql';
    if (!isGraphQL && !isFileRoute(path))
      return sendError(res, 404, ErrorCode.NOT_FOUND, `no route ${req.method} ${path}`);
    const allowed = isGraphQL ? ['GET', 'POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) {
      return sendError(
        res,
        405,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
        {
          allow: allowed.join(', '),
        },
      );
    }
    // A signed render URL (<img src>, Figma's image fetch) stands in for the bearer header.
    if (!isGraphQL && !req.headers.authorization && isSigned(url)) {
      const signed = verifySignedUrl(app.config, url);
      if ('refused' in signed) return sendError(res, 403, signed.refused, signed.message);
      return serveFile(app, signed.principal, req, res, path);
    }
    const principal = await authenticate(req.headers.authorization);
    // The Sandbox landing page opens in a browser, which has no token yet; everything else needs one.
    if (!principal && isGraphQL && req.method === 'GET' && wantsHtml(req))
      return handleGraphQL(req, res, url, undefined);
    if (!principal) {
      const e = unauthenticated();
      return sendError(res, 401, ErrorCode.UNAUTHENTICATED, e.message, { 'www-authenticate': 'Bearer' });
    }
    if (isGraphQL) return handleGraphQL(req, res, url, principal);
    return serveFile(app, principal, req, res, path);
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((err: Error) => {
      app.log.error({ err, url: req.url }, 'HTTP request failed');
      if (!res.headersSent)
        sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'internal server error (logged on the server)');
      else res.destroy();
    });
  });

  // /metrics on its own port (config.metricsPort), for the operator's network only.
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : http.createServer((req, res) => {
          const path = (req.url ?? '/').split('?')[0];
          if (path !== '/metrics' || !metricsHandler) return sendError(res, 404, ErrorCode.NOT_FOUND, 'no such route');
          metricsHandler(req, res)?.catch((err: Error) => {
            app.log.error({ err }, 'metrics failed');
            res.destroy();
          });
        });

  let stopping: Promise<void> | undefined;
  return {
    server,
    metricsServer,
    stop() {
      stopping ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'server shutting down');
        // Runs the drain plugins: the HTTP server's and graphql-ws's dispose.
        await apollo.stop();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        for (const client of wsServer.clients) client.terminate();
        wsSessions.close();
        await authenticator.close();
        await new Promise<void>((resolve) =>
          metricsServer?.listening ? metricsServer.close(() => resolve()) : resolve(),
        );
      })();
      return stopping;
    },
  };
}

function stripHttp(err: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = err.extensions as Record<string, unknown>;
  return new GraphQLError(err.message, { extensions });
}

/** A browser navigation (the landing page), not a GraphQL client. */
function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html') && !req.headers.authorization;
}

function unauthorizedHttp(): GraphQLError {
  const e = unauthenticated();
  return new GraphQLError(e.message, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) },
    },
  });
}
