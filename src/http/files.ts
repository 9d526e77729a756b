// Binary routes: render images (content-addressed, immutable, cached by clients) and latent export.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { ErrorCode } from '../domain/errors.ts';
import { readDepthPng, readRender } from '../domain/sql/render-files.ts';
import type { Principal } from '../domain/tokens.ts';
import { isUuid } from '../domain/validate.ts';
import { latentNpy } from '../domain/latent-npy.ts';
import { LATENT_ROUTE, RENDER_ROUTE } from '../domain/file-urls.ts';
import { sendError } from './respond.ts';

export const CACHE_IMMUTABLE = 'private, max-age=31536000, immutable';

export function isFileRoute(pathname: string): boolean {
  return RENDER_ROUTE.test(pathname) || LATENT_ROUTE.test(pathname);
}

/** A path segment decoded, or undefined when its percent-encoding is malformed (`%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const badPath = (res: ServerResponse) =>
  sendError(res, 400, ErrorCode.BAD_USER_INPUT, 'malformed percent-encoding in the path');

/** The largest value of an int4 column (RenderDepth.componentIndex). */
const MAX_INT4 = 2 ** 31 - 1;

const notFound = (res: ServerResponse, what: string) => sendError(res, 404, ErrorCode.NOT_FOUND, `${what} not found`);

function etagMatches(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
}

export async function serveFile(
  app: AppContext,
  principal: Principal,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
) {
  const latent = LATENT_ROUTE.exec(pathname);
  if (latent) {
    const id = decodeSegment(latent[1]);
    if (id === undefined) return badPath(res);
    if (!isUuid(id)) return notFound(res, `edit ${id}`);
    try {
      const npy = await latentNpy(app, principal, id);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': npy.length,
        'content-disposition': `attachment; filename="edit-${id}.npy"`,
        'cache-control': CACHE_IMMUTABLE, // an edit's latent never changes
      });
      res.end(req.method === 'HEAD' ? undefined : npy);
    } catch (err) {
      if ((err as { extensions?: { code?: string } }).extensions?.code === ErrorCode.NOT_FOUND)
        return notFound(res, `edit ${id}`);
      throw err;
    }
    return;
  }

  const m = RENDER_ROUTE.exec(pathname)!;
  const renderId = decodeSegment(m[1]);
  const depthName = m[3] === undefined ? undefined : decodeSegment(m[3]);
  if (renderId === undefined || (m[3] !== undefined && depthName === undefined)) return badPath(res);
  if (!isUuid(renderId)) return notFound(res, `render ${renderId}`);
  const kind = m[2] === 'image.png' ? 'image' : m[2] === 'segmentation.png' ? 'segmentation' : 'depth';

  // Image and segmentation: the ETag follows from the URL, so a request that already has the PNG
  // only needs the access check; otherwise one statement checks access and reads the PNG.
  if (kind !== 'depth') {
    const etag = `"${renderId}-${kind}"`;
    const cached = etagMatches(req, etag);
    const rows = await readRender(app.prisma, principal, renderId, cached ? null : kind);
    if (!rows.length) return notFound(res, `render ${renderId}`);
    if (cached) return notModified(res, etag);
    return sendPng(req, res, etag, rows[0].png, `${kind} of render ${renderId}`);
  }

  const access = await readRender(app.prisma, principal, renderId, null);
  if (!access.length) return notFound(res, `render ${renderId}`);

  const info = app.models.get(access[0].modelId)?.info;
  const byName = info?.components.find((c) => c.name.toLowerCase() === depthName!.toLowerCase());
  const asIndex = /^\d{1,10}$/.test(depthName!) ? Number(depthName) : undefined;
  // A number names a component only if the model has it (and fits the int4 column at all).
  const validIndex =
    asIndex !== undefined && asIndex <= MAX_INT4 && (!info || info.components.some((c) => c.index === asIndex));
  const componentIndex = byName?.index ?? (validIndex ? asIndex : undefined);
  if (componentIndex === undefined) {
    const valid = info?.components.map((c) => c.name).join(', ') ?? 'component indices';
    return sendError(
      res,
      404,
      ErrorCode.NOT_FOUND,
      `no component ${JSON.stringify(depthName)} in this render's model; valid: ${valid}`,
    );
  }
  // Render rows never change: the ETag follows from the URL alone.
  const etag = `"${renderId}-${kind}-${componentIndex}"`;
  if (etagMatches(req, etag)) return notModified(res, etag);
  const png = await readDepthPng(app.prisma, access[0].imageId, componentIndex);
  return sendPng(req, res, etag, png, `${kind} of render ${renderId}`);
}

const pngHeaders = (etag: string) => ({ etag, 'cache-control': CACHE_IMMUTABLE, 'content-type': 'image/png' });

function notModified(res: ServerResponse, etag: string) {
  res.writeHead(304, pngHeaders(etag));
  res.end();
}

/** The PNG (200), or 404 naming `what` when there is none. */
function sendPng(
  req: IncomingMessage,
  res: ServerResponse,
  etag: string,
  png: Uint8Array | null | undefined,
  what: string,
) {
  if (!png) return notFound(res, what);
  res.writeHead(200, { ...pngHeaders(etag), 'content-length': png.byteLength });
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(png.buffer, png.byteOffset, png.byteLength));
}
