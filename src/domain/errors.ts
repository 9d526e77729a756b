// Stable error codes (extensions.code) and the helpers the domain and resolvers throw with.
// UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT and CONFLICT are the API's basic codes (README,
// "Errors"); the rest are the server's own limits and conditions.
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
  /** Cost over the limit, or a document too large to evaluate its cost. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** More root mutation fields in one request than Config.limits.maxMutationFields. */
  TOO_MANY_MUTATIONS: 'TOO_MANY_MUTATIONS',
  /** The token's job allowance is spent; extensions.retryAfter says in how many seconds to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A result over Config.limits.maxResponseBytes: nothing is sent but this error. */
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  /** HTTP body over the limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** latentBase64 over the limit. */
  UPLOAD_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  /** importImage: the data is not a PNG or JPEG image, or cannot be decoded. */
  INVALID_IMAGE: 'INVALID_IMAGE',
  /** importImage: an image format other than PNG and JPEG (GIF, WebP, HEIC, ...). */
  UNSUPPORTED_IMAGE_FORMAT: 'UNSUPPORTED_IMAGE_FORMAT',
  /** importImage: the picture took longer to decode than SSG_IMAGE_DECODE_TIMEOUT_MS (its decoder was stopped). */
  IMAGE_DECODE_TIMEOUT: 'IMAGE_DECODE_TIMEOUT',
  /** importImage: every image decoder is busy and SSG_IMAGE_DECODE_QUEUE pictures already wait; retry in a few seconds. */
  IMAGE_DECODER_BUSY: 'IMAGE_DECODER_BUSY',
  /** importImage on a model that has no image encoder. */
  MODEL_CANNOT_INVERT: 'MODEL_CANNOT_INVERT',
  /** The face's inversion is still running (or failed): it has no latent to edit, render or read yet. */
  FACE_NOT_READY: 'FACE_NOT_READY',
  /** learnAttribute: the workspace has MAX_WORKSPACE_DIRECTIONS directions already (rewriting one of them is allowed). */
  TOO_MANY_ATTRIBUTES: 'TOO_MANY_ATTRIBUTES',
  /**
   * learnAttribute or previewEdit while the same token already has as many running in this API
   * process as it may (src/domain/in-flight.ts); extensions.limit says how many. Retry when one answers.
   */
  TOO_MANY_IN_FLIGHT: 'TOO_MANY_IN_FLIGHT',
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

export const faceNotReady = (faceId: string, status: string, reason?: string | null) =>
  appError(
    ErrorCode.FACE_NOT_READY,
    status === 'FAILED'
      ? `face ${faceId} has no latent: ${reason ?? 'its image inversion failed'} (delete it and import the image again)`
      : `face ${faceId} is still being inverted from its image; wait for its job (jobUpdated) to succeed`,
    { faceId, status, ...(status === 'FAILED' ? { reason: reason ?? null } : {}) },
  );

export const unauthenticated = () =>
  appError(
    ErrorCode.UNAUTHENTICATED,
    'missing or invalid token: send "Authorization: Bearer <token>" (create one with `npx ssg token create --workspace NAME`)',
  );
