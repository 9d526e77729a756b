// The HTTP server: GraphQL over HTTP (Apollo Server 5, custom integration) and WebSocket
// (graphql-ws), render images, latent export, health, readiness and metrics. CORS on every route.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import { capResponse, capWsResult } from './response-cap.ts';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AppContext } from '../context.ts';
import { ErrorCode, unauthenticated } from '../domain/errors.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import type { Principal } from '../domain/tokens.ts';
import { createGqlContext, type GqlContext } from '../resolvers/context.ts';
import { isTokenLimitError, limitCodeOf, limitMessage, limitRules, tooManyTokens } from '../resolvers/limits.ts';
import { buildAppSchema } from '../resolvers/schema.ts';
import { isFileRoute, serveFile } from './files.ts';
import { readiness } from './readiness.ts';
import { isSigned, verifySignedUrl } from './signed-urls.ts';
import { BodyTooLarge, applyCors, baseUrlOf, readBody, sendError, sendJson, sendTooLarge } from './util.ts';

/** How long running HTTP requests may take to finish once shutdown starts. */
const HTTP_DRAIN_GRACE_MS = 2_000;

export interface HttpServer {
  server: http.Server;
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
  const server = http.createServer();
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
  type WsExtra = { request: IncomingMessage; principal?: Principal };
  const wsCleanup = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      schema,
      async onConnect(ctx) {
        const header = ctx.connectionParams?.authorization ?? ctx.extra.request.headers.authorization;
        const principal = await authenticate(typeof header === 'string' ? header : undefined);
        if (!principal) return false; // closes with 4403 Forbidden
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe(ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] {
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
          contextValue: createGqlContext(app, ctx.extra.principal!, baseUrlOf(ctx.extra.request)),
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => capWsResult(result, app.config.limits.maxResponseBytes),
    },
    wsServer,
  );

  // ----- Apollo Server (HTTP)
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
      const original = unwrapResolverError(error);
      // Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED: keep the limits' own codes.
      const limitCode = limitCodeOf(error);
      if (limitCode)
        return {
          ...formatted,
          message: limitMessage(formatted.message),
          extensions: { ...formatted.extensions, code: limitCode },
        };
      if (formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR && !(original instanceof GraphQLError)) {
        app.log.error({ err: original }, 'GraphQL resolver failed');
        return { ...formatted, message: 'internal server error (logged on the server)' };
      }
      return formatted;
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
        raw = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendTooLarge(res);
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
        return createGqlContext(app, principal, baseUrlOf(req));
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
    applyCors(req, res, app.config.corsOrigins);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'content-length': 0 });
      res.end();
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const r = await readiness(app);
      return sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', ...r.checks });
    }
    if (path === '/metrics') {
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

  let stopping: Promise<void> | undefined;
  return {
    server,
    stop() {
      stopping ??= (async () => {
        for (const client of wsServer.clients) client.close(1001, 'server shutting down');
        // Runs the drain plugins: the HTTP server's and graphql-ws's dispose.
        await apollo.stop();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        for (const client of wsServer.clients) client.terminate();
        await authenticator.close();
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
