// Small HTTP helpers: CORS, JSON errors, body reading with a size limit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../domain/errors.ts';

/** Room for importImage's largest image (MAX_IMAGE_BYTES, 8 MiB) as base64 in a JSON body. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;

export const ALLOWED_HEADERS =
  'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, if-none-match';

/** CORS for every route. `origins` "*" allows any origin; otherwise the listed ones (Figma's iframe is "null"). */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: string[]): void {
  const origin = req.headers.origin;
  if (origins.includes('*')) res.setHeader('Access-Control-Allow-Origin', '*');
  else if (origin !== undefined && origins.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
  }
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  res.setHeader('Access-Control-Expose-Headers', 'ETag');
  res.setHeader('Access-Control-Max-Age', '600');
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

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
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

/** Absolute base URL of this server as the client sees it. */
export function baseUrlOf(req: IncomingMessage): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || 'http';
  const host =
    (req.headers['x-forwarded-host'] as string | undefined)?.split(',')[0]?.trim() || req.headers.host || 'localhost';
  return `${proto}://${host}`;
}
