// The one place where GraphQL errors are masked and logged, for HTTP (Apollo's formatError) and
// WebSocket (graphql-ws's onNext and onError) alike. An error the code threw on purpose is a
// GraphQLError (src/domain/errors.ts) and reaches the client as it is; anything else (a Prisma
// message with a file path, SQL, a foreign-key name) is logged with its detail and reaches the
// client as INTERNAL_SERVER_ERROR with no detail.
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode } from '../domain/errors.ts';

export const INTERNAL_MESSAGE = 'internal server error (logged on the server)';

/**
 * The error under GraphQL's plain wrappers (graphql-js's locatedError, graphql-ws's wrap of a
 * stream error): those keep the wrapped error's message. A wrapper with a message of its own
 * (`Variable "$x" got invalid value ...`) was written for the client and is the error itself.
 */
function originalOf(error: unknown): unknown {
  let e = error;
  while (e instanceof GraphQLError && e.originalError && e.originalError.message === e.message) e = e.originalError;
  return e;
}

/** True when `error` was not raised on purpose as a GraphQLError (so its text is not for clients). */
export function isInternalError(error: unknown): boolean {
  return !(originalOf(error) instanceof GraphQLError);
}

/**
 * What the client sees of `error`. `formatted` is the default rendering (Apollo's, or the
 * error's own toJSON()); `transport` goes into the log line.
 */
export function formatGraphQLError(
  log: Logger,
  formatted: GraphQLFormattedError,
  error: unknown,
  transport: 'http' | 'websocket',
): GraphQLFormattedError {
  if (!isInternalError(error)) return formatted;
  // graphql-js's own errors (a syntax or validation error) carry no originalError and are GraphQLErrors.
  log.error({ err: originalOf(error), path: formatted.path, transport }, 'GraphQL operation failed');
  return {
    message: INTERNAL_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** An execution result as the WebSocket client may see it (graphql-ws's onNext). */
export function formatExecutionResult(log: Logger, result: ExecutionResult): FormattedExecutionResult {
  const { errors, ...rest } = result;
  if (!errors?.length) return rest;
  return { ...rest, errors: formatErrors(log, errors) };
}

/** Errors as the WebSocket client may see them (graphql-ws's onError). */
export function formatErrors(log: Logger, errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((e) => formatGraphQLError(log, e.toJSON(), e, 'websocket'));
}
