// find-render: the stored render with a cache key, if any.
import type { Queryable } from './params.ts';

export async function findRender(db: Queryable, cacheKey: string): Promise<string | undefined> {
  const r = await db.query<{ id: string }>(`SELECT id::text AS id FROM "Render" WHERE "cacheKey" = $1`, [cacheKey]);
  return r.rows[0]?.id;
}
