// CORS for every route.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';

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
