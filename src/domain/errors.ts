// Stable error codes (extensions.code) and the helpers the domain and resolvers throw with.
// product.md fixes UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT and CONFLICT; the rest are the
// server's own limits and conditions.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  /** The project's model is not loaded by this server process. */
  MODEL_UNAVAILABLE: 'MODEL_UNAVAILABLE',
  /** undo at the root of the history. */
  NOTHING_TO_UNDO: 'NOTHING_TO_UNDO',
  /** redo when the head has no child. */
  NOTHING_TO_REDO: 'NOTHING_TO_REDO',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** HTTP body over the limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** latentBase64 over the limit. */
  UPLOAD_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  /** The request's body did not arrive in time (HTTP 408). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** More operations at once on one WebSocket than the server allows (SSG_WS_MAX_OPERATIONS). */
  TOO_MANY_OPERATIONS: 'TOO_MANY_OPERATIONS',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const notFound = (what: string, id: string) =>
  appError(ErrorCode.NOT_FOUND, `${what} ${JSON.stringify(id)} not found`, { id });

export const badInput = (message: string, field?: string) =>
  appError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  appError(ErrorCode.CONFLICT, message, extra);

export const unauthenticated = () =>
  appError(
    ErrorCode.UNAUTHENTICATED,
    'missing or invalid token: send "Authorization: Bearer <token>" (create one with `npx ssg token create --workspace NAME`)',
  );
