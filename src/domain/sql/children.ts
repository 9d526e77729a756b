// An edit's children, a page at a time, for many parents in one statement (Edit.children's DataLoader).
import type { PrismaClient } from '../../db/client.ts';
import type { EditRecord } from '../records.ts';
import { EDIT_COLUMNS, record, selectRecord } from './rows.ts';

/**
 * Up to `limit` children of each parent, oldest first (seq ascending), after seq `afterSeq`
 * (0 = from the first).
 */
export async function childrenOf(
  prisma: PrismaClient,
  parentIds: string[],
  limit: number,
  afterSeq: number,
): Promise<EditRecord[]> {
  const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(
    `SELECT ${selectRecord('e', EDIT_COLUMNS)} FROM (
       SELECT c.*, row_number() OVER (PARTITION BY c."parentId" ORDER BY c.seq) AS n
       FROM "Edit" c WHERE c."parentId" = ANY ($1::uuid[]) AND c.seq > $3) e
     WHERE e.n <= $2 ORDER BY e."parentId", e.seq`,
    parentIds,
    limit,
    afterSeq,
  );
  return rows.map((r) => record<EditRecord>(r, 'e'));
}

/** Number of children of each parent. */
export async function childCounts(prisma: PrismaClient, parentIds: string[]): Promise<Map<string, number>> {
  const rows = await prisma.$queryRawUnsafe<{ parentId: string; n: number }[]>(
    `SELECT "parentId"::text AS "parentId", count(*)::int AS n FROM "Edit"
     WHERE "parentId" = ANY ($1::uuid[]) GROUP BY "parentId"`,
    parentIds,
  );
  return new Map(rows.map((r) => [r.parentId, r.n]));
}
