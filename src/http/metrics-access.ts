// Who may read /metrics on the API port. The metrics describe the whole cluster (queue depth, job
// counts, live workers), so by default nobody: with SSG_METRICS_PORT they are served on that port
// alone; with SSG_METRICS_TOKEN on the API port to `Authorization: Bearer <that token>`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.ts';
import { ErrorCode } from '../domain/errors.ts';

export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** undefined when the request may read the metrics; otherwise how to refuse it. */
export function metricsAccess(
  config: Pick<Config, 'metricsPort' | 'metricsToken'>,
  req: IncomingMessage,
): Refusal | undefined {
  if (config.metricsToken === undefined) {
    const where =
      config.metricsPort === undefined ? 'set SSG_METRICS_PORT or SSG_METRICS_TOKEN' : 'they are on the metrics port';
    return { status: 404, code: ErrorCode.NOT_FOUND, message: `no /metrics on this port (${where})` };
  }
  const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  // Compared as digests, in constant time: the answer says nothing about how much of it matched.
  if (timingSafeEqual(digest(given), digest(config.metricsToken))) return undefined;
  return {
    status: 401,
    code: ErrorCode.UNAUTHENTICATED,
    message: 'metrics need "Authorization: Bearer <SSG_METRICS_TOKEN>"',
    headers: { 'www-authenticate': 'Bearer' },
  };
}
