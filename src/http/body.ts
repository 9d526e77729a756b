// Request bodies: read with a size limit and a deadline, and a refused body drained before its answer.
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';

/** Room for importImage's largest image (MAX_IMAGE_BYTES, 8 MiB) as base64 in a JSON body. */
export const MAX_BODY_BYTES = 12 * 1024 * 1024;

/**
 * How much of a refused (too large) body is still read, and thrown away, before the 413: a client
 * still sending when the connection closes (Node's fetch, undici) reports a network error and never
 * reads the answer. A body larger than this is cut off with the answer, as before.
 */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

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

/**
 * Reads and discards the rest of a refused body: until it ends, `maxBytes` more arrived, `timeoutMs`
 * passed or the client went away, whichever comes first. Never rejects.
 */
export function drainBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', done).off('close', done).off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, timeoutMs);
    req.on('data', onData).on('end', done).on('close', done).on('error', done);
    req.resume();
  });
}
