// Messaging with the main thread (code.ts): typed messages both ways, and placements that
// resolve when the main thread answers "placed" (or reject on "place-failed").
import type { LinkedNode, MainToUi, UiToMain } from '../messages';

export function send(msg: UiToMain): void {
  parent.postMessage({ pluginMessage: msg }, '*');
}

type PlaceRequest = Omit<Extract<UiToMain, { type: 'place-result' }>, 'type' | 'requestId'>;
type StripRequest = Omit<Extract<UiToMain, { type: 'place-strip' }>, 'type' | 'requestId'>;

// Each request resolves with its own answer type (a LinkedNode, a node id).
const pending = new Map<string, { resolve: (answer: any) => void; reject: (e: Error) => void }>();
let requestCounter = 0;

const nextRequestId = () => `r${Date.now().toString(36)}-${++requestCounter}`;

export function place(msg: PlaceRequest): Promise<LinkedNode> {
  const requestId = nextRequestId();
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject });
    send({ type: 'place-result', requestId, ...msg });
  });
}

/** Places a strip of frames in a new container; resolves with the container's node id. */
export function placeStrip(msg: StripRequest): Promise<string> {
  const requestId = nextRequestId();
  return new Promise((resolve, reject) => {
    pending.set(requestId, { resolve, reject });
    send({ type: 'place-strip', requestId, ...msg });
  });
}

/** Calls `handle` with each message from the main thread; settles placements first. */
export function onMainMessage(handle: (msg: MainToUi) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const msg = (event.data as { pluginMessage?: MainToUi } | null)?.pluginMessage;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'placed' || msg.type === 'place-failed' || msg.type === 'strip-placed') {
      const p = pending.get(msg.requestId);
      pending.delete(msg.requestId);
      handle(msg);
      if (msg.type === 'placed') p?.resolve(msg.node);
      else if (msg.type === 'strip-placed') p?.resolve(msg.nodeId);
      else p?.reject(new Error(msg.message));
      return;
    }
    handle(msg);
  });
}
