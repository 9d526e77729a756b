// Subscription streams: the current state first (so a client never misses a change that happened
// before it subscribed), then the state after every event. Events come from the PubSub (PostgreSQL
// LISTEN/NOTIFY, so workers on other machines reach every API process).
//
// Fan-out: one notification reaches every subscriber of its face or job in this process as the
// same payload object. The state read after it, and the DataLoaders that the subscribers'
// selections resolve through (head, render, job...), are shared by every subscriber of the same
// workspace: N identical subscriptions cost one read per event, not N.
import { createLoaders, type Loaders } from '../domain/loaders.ts';
import { findFace, findJob } from '../domain/queries.ts';
import type { FaceRecord, JobRecord } from '../domain/records.ts';
import { Topics } from '../pubsub/types.ts';
import type { GqlContext } from './context.ts';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

function freshLoaders(ctx: GqlContext): void {
  // One subscription runs many executions on one context: cached rows would go stale.
  for (const loader of Object.values(ctx.loaders)) loader.clearAll();
}

interface SharedRead {
  value: Promise<unknown>;
  loaders: Loaders;
}

/** Per event payload (one notification), per "workspace/topic/id": the read every subscriber shares. */
const sharedReads = new WeakMap<object, Map<string, SharedRead>>();

/**
 * The state after `event`, read once for all subscribers of `key` in this process; the caller's
 * context switches to the event's shared loaders (its previous execution has completed: graphql-ws
 * sends one result before it asks for the next).
 */
function readAfter<T>(ctx: GqlContext, event: unknown, key: string, load: () => Promise<T>): Promise<T> {
  if (typeof event !== 'object' || event === null) {
    ctx.loaders = createLoaders(ctx.app);
    return load();
  }
  let byKey = sharedReads.get(event);
  if (!byKey) sharedReads.set(event, (byKey = new Map()));
  let read = byKey.get(key);
  if (!read) {
    read = { value: load(), loaders: createLoaders(ctx.app) };
    byKey.set(key, read);
  }
  ctx.loaders = read.loaders;
  return read.value as Promise<T>;
}

function stream<T>(
  ctx: GqlContext,
  events: AsyncIterable<unknown>,
  key: string,
  load: () => Promise<T>,
  done: (value: T) => boolean,
): AsyncIterableIterator<T> {
  const it = events[Symbol.asyncIterator]();
  const gen = run(ctx, it, key, load, done);
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
  key: string,
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
      value = await readAfter(ctx, r.value, key, load);
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
    `${ctx.principal.workspaceId}/job/${job.id}`,
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
    `${ctx.principal.workspaceId}/face/${face.id}`,
    async () => (await findFace(ctx.app, ctx.principal, face.id)).face,
    () => false,
  );
}
