// The reads behind the binary routes (/renders/...): a render's image, segmentation or depth PNG,
// scoped to the caller's workspace.
import type { PrismaClient } from '../../db/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { renderInWorkspaceSql } from '../scope.ts';
import type { Principal } from '../tokens.ts';

/**
 * The render's model and image (and one of its PNGs, when `png` names it) if the render is the
 * caller's workspace's; no row otherwise. Images are shared between workspaces, Render rows never.
 */
export function readRender(
  prisma: PrismaClient,
  principal: Principal,
  renderId: string,
  png: 'image' | 'segmentation' | null,
): Promise<{ modelId: string; imageId: string; png: Uint8Array | null }[]> {
  const column =
    png === null ? Prisma.sql`NULL::bytea` : Prisma.raw(png === 'image' ? 'i."imagePng"' : 'i."segmentationPng"');
  return prisma.$queryRaw<{ modelId: string; imageId: string; png: Uint8Array | null }[]>`
    SELECT r."modelId", r."imageId"::text AS "imageId", ${column} AS png
    FROM "Render" r JOIN "RenderImage" i ON i.id = r."imageId"
    WHERE r.id = ${renderId}::uuid AND ${renderInWorkspaceSql('r', principal)}`;
}

/** One class's depth PNG of a render image (the caller has checked the render is its workspace's). */
export async function readDepthPng(
  prisma: PrismaClient,
  imageId: string,
  componentIndex: number,
): Promise<Uint8Array | undefined> {
  const row = await prisma.renderDepth.findUnique({
    where: { imageId_componentIndex: { imageId, componentIndex } },
    select: { png: true },
  });
  return row?.png;
}
