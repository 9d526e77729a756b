// Worker thread of FitThread (fit-thread.ts): runs one fit at a time, off the API's event loop.
import { parentPort } from 'node:worker_threads';
import { fitExamples, type ExampleFit, type ExampleFitRequest } from './example-fit.ts';

export type FitMessage = { id: number; req: ExampleFitRequest };
export type FitReply = { id: number; ok: true; fit: ExampleFit } | { id: number; ok: false; message: string };

const port = parentPort!;
port.on('message', ({ id, req }: FitMessage) => {
  let reply: FitReply;
  try {
    reply = { id, ok: true, fit: fitExamples(req) };
  } catch (err) {
    reply = { id, ok: false, message: (err as Error).stack ?? String(err) };
  }
  port.postMessage(reply, reply.ok ? [reply.fit.vector.buffer as ArrayBuffer] : []);
});
