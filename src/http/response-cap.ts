// The response size cap (Config.limits.maxResponseBytes), HTTP and WebSocket alike. The cost limit
// bounds what a query may ask for; this is the backstop for what it would actually send.
import type { ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { ErrorCode } from '../domain/errors.ts';

function tooLarge(bytes: number, limit: number) {
  return {
    message: `the result is ${bytes} bytes, over the limit of ${limit}; select fewer fields or smaller pages (first)`,
    extensions: { code: ErrorCode.RESPONSE_TOO_LARGE, bytes, limit },
  };
}

/** The HTTP body to send: `body`, or a RESPONSE_TOO_LARGE error in its place. */
export function capResponse(res: ServerResponse, body: string, limit: number): string {
  // A UTF-16 string takes at most 3 bytes per code unit in UTF-8: no count needed below limit/3.
  if (body.length <= limit / 3) return body;
  const bytes = Buffer.byteLength(body);
  if (bytes <= limit) return body;
  res.removeHeader('content-length');
  res.statusCode = 200; // an execution error: the request itself was valid
  return JSON.stringify({ data: null, errors: [tooLarge(bytes, limit)] });
}

/** graphql-ws onNext: the result to send, or a RESPONSE_TOO_LARGE error in its place. */
export function capWsResult(result: ExecutionResult, limit: number): ExecutionResult | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= limit) return undefined; // send as is
  return { data: null, errors: [tooLarge(bytes, limit)] } as unknown as ExecutionResult;
}
