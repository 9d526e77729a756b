// Subscription streams: the current state first (so a client never misses a change that happened
// before it subscribed), then the state after every event. Events come from the PubSub (PostgreSQL
// LISTEN/NOTIFY, so workers on other machines reach every API process).
import { findFace, findJob } from '../domain/queries.ts';
import type { FaceRecord, JobRecord } from '../domain/records.ts';
import { Topics } from '../pubsub/types.ts';
import type { GqlContext } from './context.ts';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

function freshLoaders(ctx: GqlContext): void {
  // One subscription runs many executions on one context: cached rows would go stale.
  for (const loader of Object.values(ctx.loaders)) loader.clearAll();
}

function stream<T>(
  ctx: GqlContext,
  events: AsyncIterable<unknown>,
  load: () => Promise<T>,
  done: (value: T) => boolean,
): AsyncIterableIterator<T> {
  const it = events[Symbol.asyncIterator]();
  const gen = run(ctx, it, load, done);
  // A generator closed before it started skips its finally: release the listener here too.
  return {
    next: () => gen.next(),
    async return() {
      await it.return?.();
      return gen.return(undefined);
    },
    async throw(err: unknown) {
      await it.return?.();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* run<T>(
  ctx: GqlContext,
  it: AsyncIterator<unknown>,
  load: () => Promise<T>,
  done: (value: T) => boolean,
): AsyncGenerator<T> {
  try {
    let value = await load();
    freshLoaders(ctx);
    yield value;
    while (!done(value)) {
      const r = await it.next();
      if (r.done) return;
      value = await load();
      freshLoaders(ctx);
      yield value;
    }
  } finally {
    await it.return?.();
  }
}

/** Validates access first (NOT_FOUND is reported as the subscription's error), then streams. */
export async function jobUpdates(ctx: GqlContext, id: string): Promise<AsyncIterable<JobRecord>> {
  const job = await findJob(ctx.app, ctx.principal, id);
  // Listen before reading the current state, so that no event falls in between.
  const events = ctx.app.pubsub.subscribe(Topics.JOB_UPDATED, job.id);
  return stream(
    ctx,
    events,
    () => findJob(ctx.app, ctx.principal, job.id),
    (j) => TERMINAL.has(j.status),
  );
}

export async function faceUpdates(ctx: GqlContext, id: string): Promise<AsyncIterable<FaceRecord>> {
  const { face } = await findFace(ctx.app, ctx.principal, id);
  const events = ctx.app.pubsub.subscribe(Topics.FACE_UPDATED, face.id);
  return stream(
    ctx,
    events,
    async () => (await findFace(ctx.app, ctx.principal, face.id)).face,
    () => false,
  );
}
