// Worker thread of ImageDecoder (image-decoder.ts): decodes one picture at a time and crops and
// resizes it, off the API's event loop. It answers with the aligned PNG only (a few KB), never
// the decoded pixels.
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeAligned, ImageInputError, type Crop } from './image-input.ts';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  side: number;
  crop: Crop | null;
}

export type DecodeReply =
  | {
      id: number;
      ok: true;
      format: 'png' | 'jpeg';
      width: number;
      height: number;
      crop: Crop;
      png: Uint8Array;
    }
  | { id: number; ok: false; kind: ImageInputError['kind'] | 'INTERNAL'; message: string };

// One libvips thread and no operation cache: a decoder is one core's worth of work, and what it
// decoded is not asked for again.
sharp.concurrency(1);
sharp.cache(false);

const port = parentPort!;
port.on('message', async (req: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const aligned = await decodeAligned(req.bytes, req.side, req.crop);
    reply = {
      id: req.id,
      ok: true,
      format: aligned.format,
      width: aligned.width,
      height: aligned.height,
      crop: aligned.crop,
      png: aligned.png,
    };
  } catch (err) {
    reply =
      err instanceof ImageInputError
        ? { id: req.id, ok: false, kind: err.kind, message: err.message }
        : { id: req.id, ok: false, kind: 'INTERNAL', message: (err as Error).stack ?? String(err) };
  }
  port.postMessage(reply);
});
// Loaded: the pool sends work (and starts the time limit) only from here on.
port.postMessage('ready');
