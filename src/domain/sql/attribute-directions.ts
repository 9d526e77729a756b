// The AttributeDirection table's statements: a model's own directions (workspaceId null, loaded
// from its directions.json) and a workspace's (learned from its examples).
import type { PrismaClient, Tx } from '../../db/client.ts';
import type { Direction, DirectionSource } from '../../directions/direction.ts';
import { decodeVector } from '../../directions/file.ts';
import type { AttributeSource } from '../../generated/prisma/enums.ts';
import type { ComponentPart } from '../../inference/types.ts';
import { uuidv7 } from '../../jobs/ids.ts';

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

/** Writes (or rewrites) a workspace's direction of that name. */
export async function saveWorkspaceDirection(
  prisma: PrismaClient,
  modelId: string,
  workspaceId: string,
  d: Direction,
): Promise<AttributeRow> {
  const { id, ...fields } = data(modelId, workspaceId, d);
  const row = await prisma.attributeDirection.upsert({
    where: { modelId_workspaceId_name: { modelId, workspaceId, name: d.name } },
    create: { id, ...fields },
    update: fields,
  });
  return toRow(row);
}
