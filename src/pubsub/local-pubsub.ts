// The in-process half of every PubSub: events delivered to this process's subscribers. The
// PostgreSQL pubsub (pg-pubsub.ts) feeds it from LISTEN; alone it serves `ssg emit-schema` and any
// single-process use. Shaped as type-graphql's PubSub (publish, subscribe with a dynamic id).
import { EventEmitter, on } from 'node:events';
import type { PubSub } from './types.ts';

export interface LocalPubSub extends PubSub {
  /** Hands an event to this process's subscribers of `routingKey` (and of `routingKey:<id>`). */
  deliver(routingKey: string, payload: unknown): void;
}

function routeOf(routingKey: string, payload: unknown): string[] {
  // Subscribers listen on "KEY" (all) or "KEY:<id>" for one job or face.
  const p = payload as { jobId?: string; faceId?: string } | null;
  const id = routingKey.startsWith('JOB') ? p?.jobId : p?.faceId;
  return id ? [routingKey, `${routingKey}:${id}`] : [routingKey];
}

export function createLocalPubSub(): LocalPubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const deliver = (routingKey: string, payload: unknown) => {
    for (const key of routeOf(routingKey, payload)) emitter.emit(key, payload);
  };
  return {
    deliver,
    publish(routingKey: string, ...args: unknown[]) {
      deliver(routingKey, args[0]);
    },
    subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
      const key = dynamicId === undefined || dynamicId === null ? routingKey : `${routingKey}:${String(dynamicId)}`;
      // Listening starts now, not at the first next(): a resolver can subscribe, then read the
      // current state from the database, and miss no event in between. Events are buffered until
      // read; return() (graphql-ws calls it when the client unsubscribes) stops listening.
      const ac = new AbortController();
      const events = on(emitter, key, { signal: ac.signal });
      const iterator: AsyncIterator<unknown> = {
        async next() {
          try {
            const r = await events.next();
            return r.done ? r : { done: false, value: (r.value as unknown[])[0] };
          } catch (err) {
            if ((err as Error).name === 'AbortError') return { done: true, value: undefined };
            throw err;
          }
        },
        async return() {
          ac.abort();
          return { done: true, value: undefined };
        },
        async throw(err?: unknown) {
          ac.abort();
          throw err;
        },
      };
      return { [Symbol.asyncIterator]: () => iterator };
    },
  };
}
