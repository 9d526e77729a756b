// The AttributeDirection table's statements: a model's own directions (workspaceId null, loaded
// from its directions.json) and a workspace's (learned from its examples).
import type { PrismaClient, Tx } from '../../db/client.ts';
import type { Direction, DirectionSource } from '../../directions/direction.ts';
import { decodeVector } from '../../directions/file.ts';
import type { AttributeSource } from '../../generated/prisma/enums.ts';
import type { ComponentPart } from '../../inference/types.ts';
import { uuidv7 } from '../../db/ids.ts';
import { appError, ErrorCode } from '../errors.ts';

/** Most directions one workspace may store, over all models (each is a row the fits and lists read). */
export const MAX_WORKSPACE_DIRECTIONS = 100;

export interface AttributeRow extends Direction {
  id: string;
  modelId: string;
  workspaceId: string | null;
  createdAt: Date;
}

const toSource = (s: DirectionSource) => s.toUpperCase() as AttributeSource;

function toRow(r: {
  id: string;
  modelId: string;
  workspaceId: string | null;
  name: string;
  component: string;
  part: string;
  vector: Uint8Array;
  method: string;
  accuracy: number | null;
  samples: number;
  spread: number;
  source: AttributeSource;
  createdAt: Date;
}): AttributeRow {
  return {
    ...r,
    part: r.part as ComponentPart,
    vector: decodeVector(r.vector),
    source: r.source.toLowerCase() as DirectionSource,
  };
}

function data(modelId: string, workspaceId: string | null, d: Direction) {
  return {
    id: uuidv7(),
    modelId,
    workspaceId,
    name: d.name,
    component: d.component,
    part: d.part,
    vector: new Uint8Array(Float32Array.from(d.vector).buffer),
    method: d.method,
    accuracy: d.accuracy,
    samples: d.samples,
    spread: d.spread,
    source: toSource(d.source),
  };
}

/**
 * Replaces a model's own directions with `directions` in one transaction, under an advisory lock
 * on the model id so that servers starting together do not interleave.
 */
export async function replaceModelDirections(prisma: PrismaClient, modelId: string, directions: Direction[]) {
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'attributes:' + modelId}))`;
    await tx.attributeDirection.deleteMany({ where: { modelId, workspaceId: null } });
    if (directions.length)
      await tx.attributeDirection.createMany({ data: directions.map((d) => data(modelId, null, d)) });
  });
}

/** The directions a workspace sees for a model: the model's own and its own, by component then name. */
export async function visibleDirections(
  prisma: PrismaClient | Tx,
  modelId: string,
  workspaceId: string,
): Promise<AttributeRow[]> {
  const rows = await prisma.attributeDirection.findMany({
    where: { modelId, OR: [{ workspaceId: null }, { workspaceId }] },
    orderBy: [{ component: 'asc' }, { name: 'asc' }],
  });
  return rows.map(toRow);
}

/**
 * Throws TOO_MANY_ATTRIBUTES when the workspace has MAX_WORKSPACE_DIRECTIONS directions and `name`
 * (of that model) is not one of them: rewriting a direction is always allowed.
 */
export async function checkDirectionRoom(
  db: PrismaClient | Tx,
  modelId: string,
  workspaceId: string,
  name: string,
): Promise<void> {
  const rows = await db.$queryRaw<{ n: number; rewrite: boolean }[]>`
    SELECT count(*)::int AS n,
           bool_or("modelId" = ${modelId} AND name = ${name}) AS rewrite
    FROM "AttributeDirection" WHERE "workspaceId" = ${workspaceId}::uuid`;
  const { n, rewrite } = rows[0]!;
  if (n >= MAX_WORKSPACE_DIRECTIONS && !rewrite) {
    throw appError(
      ErrorCode.TOO_MANY_ATTRIBUTES,
      `this workspace has ${n} learned attributes, the most it may keep (${MAX_WORKSPACE_DIRECTIONS}); rewrite one by its name instead`,
      { limit: MAX_WORKSPACE_DIRECTIONS },
    );
  }
}

/**
 * Writes (or rewrites) a workspace's direction of that name, within the workspace's cap (checked
 * again under a lock on the workspace, so concurrent requests cannot both take the last place).
 */
export async function saveWorkspaceDirection(
  prisma: PrismaClient,
  modelId: string,
  workspaceId: string,
  d: Direction,
): Promise<AttributeRow> {
  const { id, ...fields } = data(modelId, workspaceId, d);
  const row = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${'attributes-ws:' + workspaceId}))`;
    await checkDirectionRoom(tx, modelId, workspaceId, d.name);
    return tx.attributeDirection.upsert({
      where: { modelId_workspaceId_name: { modelId, workspaceId, name: d.name } },
      create: { id, ...fields },
      update: fields,
    });
  });
  return toRow(row);
}
