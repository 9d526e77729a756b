// Binary routes: render images (content-addressed, immutable, cached by clients) and latent export.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { ErrorCode } from '../domain/errors.ts';
import type { Principal } from '../domain/tokens.ts';
import { isUuid } from '../domain/validate.ts';
import { latentNpy } from '../resolvers/resolvers.ts';
import { sendError } from './util.ts';

const RENDER_ROUTE = /^\/renders\/([^/]+)\/(image\.png|segmentation\.png|depth\/([^/]+)\.png)$/;
const LATENT_ROUTE = /^\/edits\/([^/]+)\/latent\.npy$/;

export const CACHE_IMMUTABLE = 'private, max-age=31536000, immutable';

export function isFileRoute(pathname: string): boolean {
  return RENDER_ROUTE.test(pathname) || LATENT_ROUTE.test(pathname);
}

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
    const id = decodeURIComponent(latent[1]);
    if (!isUuid(id)) return notFound(res, `edit ${id}`);
    try {
      const { npy } = await latentNpy({ app, principal }, id);
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
  const renderId = decodeURIComponent(m[1]);
  if (!isUuid(renderId)) return notFound(res, `render ${renderId}`);
  const kind = m[2] === 'image.png' ? 'image' : m[2] === 'segmentation.png' ? 'segmentation' : 'depth';
  const depthName = m[3] === undefined ? undefined : decodeURIComponent(m[3]);

  // The render must hang off an edit or a job of the caller's workspace (renders are shared
  // between workspaces only through identical content).
  const access = await app.prisma.$queryRaw<{ modelId: string }[]>`
    SELECT r."modelId" FROM "Render" r WHERE r.id = ${renderId}::uuid AND (
      EXISTS (SELECT 1 FROM "Edit" e JOIN "Face" f ON f.id = e."faceId" JOIN "Project" p ON p.id = f."projectId"
              WHERE e."renderId" = r.id AND p."workspaceId" = ${principal.workspaceId}::uuid)
      OR EXISTS (SELECT 1 FROM "InferenceJob" j JOIN "Face" f ON f.id = j."faceId" JOIN "Project" p ON p.id = f."projectId"
              WHERE j."renderId" = r.id AND p."workspaceId" = ${principal.workspaceId}::uuid))`;
  if (!access.length) return notFound(res, `render ${renderId}`);

  let componentIndex: number | undefined;
  if (kind === 'depth') {
    const info = app.models.get(access[0].modelId)?.info;
    const byName = info?.components.find((c) => c.name.toLowerCase() === depthName!.toLowerCase());
    componentIndex = byName?.index ?? (/^\d+$/.test(depthName!) ? Number(depthName) : undefined);
    if (componentIndex === undefined) {
      const valid = info?.components.map((c) => c.name).join(', ') ?? 'component indices';
      return sendError(
        res,
        404,
        ErrorCode.NOT_FOUND,
        `no component ${JSON.stringify(depthName)} in this render's model; valid: ${valid}`,
      );
    }
  }

  // Render rows never change: the ETag follows from the URL alone.
  const etag = `"${renderId}-${kind}${componentIndex === undefined ? '' : `-${componentIndex}`}"`;
  const headers = { etag, 'cache-control': CACHE_IMMUTABLE, 'content-type': 'image/png' };
  if (etagMatches(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let png: Uint8Array | undefined;
  if (kind === 'image') {
    png = (await app.prisma.render.findUnique({ where: { id: renderId }, select: { imagePng: true } }))?.imagePng;
  } else if (kind === 'segmentation') {
    png = (await app.prisma.render.findUnique({ where: { id: renderId }, select: { segmentationPng: true } }))
      ?.segmentationPng;
  } else {
    png = (
      await app.prisma.renderDepth.findUnique({
        where: { renderId_componentIndex: { renderId, componentIndex: componentIndex! } },
        select: { png: true },
      })
    )?.png;
  }
  if (!png) return notFound(res, `${kind} of render ${renderId}`);
  res.writeHead(200, { ...headers, 'content-length': png.byteLength });
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(png.buffer, png.byteOffset, png.byteLength));
}
