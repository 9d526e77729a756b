// find-render: the stored render image with a cache key, if any (shared by all workspaces).
import type { Queryable } from './params.ts';

export async function findRenderImage(db: Queryable, cacheKey: string): Promise<string | undefined> {
  const r = await db.query<{ id: string }>(`SELECT id::text AS id FROM "RenderImage" WHERE "cacheKey" = $1`, [
    cacheKey,
  ]);
  return r.rows[0]?.id;
}
