// Render images: fetched with the token (never put in a URL), cached as bytes (for the canvas)
// and as blob: URLs (for thumbnails). A thumbnail re-renders once its blob URL is ready.
import { html, nothing } from 'lit-html';
import type { Render } from './api';
import { client, get, set } from './state';

const pngs = new Map<string, Promise<Uint8Array>>();
const blobs = new Map<string, Promise<string>>();
/** Settled blob URLs (or null after a failed load), by resolved image URL. */
const ready = new Map<string, string | null>();

export function imageBytes(url: string): Promise<Uint8Array> {
  const c = client();
  const key = c.resolve(url);
  let p = pngs.get(key);
  if (!p) {
    p = c.image(url);
    pngs.set(key, p);
    p.catch(() => pngs.delete(key));
  }
  return p;
}

function blobUrl(key: string, url: string): Promise<string> {
  let p = blobs.get(key);
  if (!p) {
    p = imageBytes(url).then((bytes) => URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/png' })));
    blobs.set(key, p);
    p.then(
      (src) => ready.set(key, src),
      () => (blobs.delete(key), ready.set(key, null)),
    ).finally(() => set({}));
  }
  return p;
}

/** An image the server serves at `url` (a depth map, say), shown once it loaded; `cls` styles it. */
export function urlImage(url: string, alt: string, cls = 'thumb') {
  const c = get().client;
  const key = c ? c.resolve(url) : '';
  if (key && !ready.has(key)) void blobUrl(key, url).catch(() => {});
  const src = key ? ready.get(key) : undefined;
  return html`<img
    class=${src ? cls : `${cls} pending`}
    alt=${alt}
    draggable="false"
    data-url=${url}
    src=${src ?? nothing}
  />`;
}

export function thumb(render: Render | null, alt: string) {
  const c = get().client;
  const key = render && c ? c.resolve(render.imageUrl) : '';
  if (render && key && !ready.has(key)) void blobUrl(key, render.imageUrl).catch(() => {});
  const src = render ? ready.get(key) : undefined;
  return html`<img
    class=${render && src !== null ? 'thumb' : 'thumb pending'}
    alt=${alt}
    draggable="false"
    data-render-id=${render?.id ?? nothing}
    src=${src ?? nothing}
  />`;
}
