// Small HTTP helpers: CORS, JSON errors, body reading with a size limit and a deadline, the base URL.
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { BlockList } from 'node:net';
import cors from 'cors';
import getRawBody from 'raw-body';
import { ErrorCode } from '../domain/errors.ts';

/** Room for importImage's largest image (MAX_IMAGE_BYTES, 8 MiB) as base64 in a JSON body. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;

export const ALLOWED_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, if-none-match';

/**
 * CORS for every route (the `cors` package), preflights answered 204. `origins` "*" allows any
 * origin; otherwise the listed ones are echoed back (Figma's plugin iframe is "null").
 */
/** Returns false when the request was a preflight, answered already. */
export function corsHandler(origins: string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const middleware = cors({
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['ETag'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  // With a fixed origin list the middleware answers synchronously: next() runs unless it was a preflight.
  return (req, res) => {
    let next = false;
    middleware(req, res, () => (next = true));
    return next;
  };
}

export const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  type = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * A GraphQL-shaped error body, so that GraphQL clients show the message and code. Answered as
 * application/graphql-response+json when the client accepts it: under the GraphQL-over-HTTP spec
 * clients (Apollo Client 4) read the body of a non-2xx answer only with that type.
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const accept = res.req?.headers.accept ?? '';
  const type = accept.includes(GRAPHQL_RESPONSE_TYPE) ? GRAPHQL_RESPONSE_TYPE : 'application/json';
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers, type);
}

export class BodyTooLarge extends Error {}
export class BodyTimeout extends Error {}
/** The client went away before sending its whole body: nobody to answer. */
export class BodyAborted extends Error {}
/** The body is shorter or longer than its Content-Length. */
export class BodyLengthMismatch extends Error {}

/**
 * The request body (the `raw-body` package): at most `limit` bytes, arriving within `timeoutMs`
 * (a client sending a byte a second would otherwise hold the request open for minutes).
 */
export async function readBody(req: IncomingMessage, timeoutMs: number, limit = MAX_BODY_BYTES): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BodyTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([getRawBody(req, { length: req.headers['content-length'], limit }), timeout]);
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') throw new BodyTooLarge();
    if (type === 'request.aborted') throw new BodyAborted();
    if (type === 'request.size.invalid') throw new BodyLengthMismatch();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** 408 for a body that did not arrive in time; the connection closes (the rest of the body is not read). */
export function sendBodyTimeout(res: ServerResponse, timeoutMs: number): void {
  sendError(
    res,
    408,
    ErrorCode.REQUEST_TIMEOUT,
    `the request body did not arrive within ${timeoutMs} ms; send it at once`,
    { connection: 'close' },
  );
}

export function sendTooLarge(res: ServerResponse): void {
  sendError(
    res,
    413,
    ErrorCode.PAYLOAD_TOO_LARGE,
    `request body over ${MAX_BODY_BYTES} bytes; send smaller requests (a latent .npy is well under 100 kB; importImage takes images up to 8 MiB)`,
    { connection: 'close' },
  );
}

/** The proxies whose X-Forwarded-Host/-Proto are believed (config.trustedProxies: IPs and CIDRs). */
export function trustedProxyList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    const type = net.isIPv6(ip!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip!, type);
    else list.addSubnet(ip!, Number(bits), type);
  }
  return list;
}

function isTrusted(address: string | undefined, proxies: BlockList): boolean {
  if (!address) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4) return proxies.check(v4, 'ipv4') || proxies.check(address, 'ipv6');
  return proxies.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

/** A Host header value: a DNS name or an IP (IPv6 in brackets), with an optional port; nothing else. */
const HOST_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

/**
 * Absolute base URL of this server as the client sees it. X-Forwarded-Host/-Proto count only from
 * a trusted proxy; otherwise the Host header and the socket's own protocol. A host that is not a
 * host name (`evil.example/x`, `javascript:`) is never used: image URLs must stay URLs of this server.
 */
export function baseUrlOf(req: IncomingMessage, proxies: BlockList): string {
  const viaProxy = isTrusted(req.socket.remoteAddress, proxies);
  const ownProto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const forwardedProto = viaProxy ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : ownProto;
  const candidates = [viaProxy ? first(req.headers['x-forwarded-host']) : undefined, req.headers.host];
  const host =
    candidates.find((h): h is string => h !== undefined && HOST_RE.test(h)) ??
    localHost(req.socket.localAddress, req.socket.localPort);
  return `${proto}://${host}`;
}

function localHost(address: string | undefined, port: number | undefined): string {
  const host = !address ? 'localhost' : net.isIPv6(address) ? `[${address}]` : address;
  return port ? `${host}:${port}` : host;
}
