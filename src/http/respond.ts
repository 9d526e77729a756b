// Answers: JSON bodies, GraphQL-shaped errors, and the 408 and 413 of a body refused.
import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../domain/errors.ts';
import { MAX_BODY_BYTES } from './body.ts';

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

/** 413; call drainBody first (see MAX_DRAIN_BYTES). */
export function sendTooLarge(res: ServerResponse): void {
  sendError(
    res,
    413,
    ErrorCode.PAYLOAD_TOO_LARGE,
    `request body over ${MAX_BODY_BYTES} bytes; send smaller requests (a latent .npy is well under 100 kB; importImage takes images up to 8 MiB)`,
    { connection: 'close' },
  );
}
