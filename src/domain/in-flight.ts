// Per-token limits on the CPU work an API process does itself: learnAttribute's fit (on a worker
// thread, one at a time per process) and previewEdit's render (on the process's model runtime).
// The job allowance bounds how much a token asks for over a minute; this bounds how much of the
// process one token holds at once, so a token's flood queues behind its own calls, refused, rather
// than filling the fit thread or the render batches ahead of every other tenant. Counted per API
// process (a token spread over N processes may hold N times as much).
import { ErrorCode, appError } from './errors.ts';
import type { Principal } from './tokens.ts';

export const IN_FLIGHT_LIMITS = {
  /** A fit takes up to a second of the one fit thread. */
  learnAttribute: 1,
  /** The plugin sends one preview at a time per open slider; a few plugin windows may share a token. */
  previewEdit: 4,
} as const;

export type InFlightKind = keyof typeof IN_FLIGHT_LIMITS;

const running = new Map<string, number>();

/** Runs `work` unless the token already runs its limit of `kind` here (TOO_MANY_IN_FLIGHT). */
export async function withinTokenLimit<T>(
  principal: Principal,
  kind: InFlightKind,
  work: () => Promise<T>,
): Promise<T> {
  const key = `${kind}:${principal.tokenId}`;
  const limit = IN_FLIGHT_LIMITS[kind];
  const now = running.get(key) ?? 0;
  if (now >= limit) {
    throw appError(
      ErrorCode.TOO_MANY_IN_FLIGHT,
      `this token already has ${limit === 1 ? `a ${kind}` : `${limit} ${kind} calls`} running; retry when ${limit === 1 ? 'it answers' : 'one answers'}`,
      { operation: kind, limit },
    );
  }
  running.set(key, now + 1);
  try {
    return await work();
  } finally {
    const left = running.get(key)! - 1;
    if (left) running.set(key, left);
    else running.delete(key);
  }
}
