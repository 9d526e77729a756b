// The statements of the edit tree. Each write is ONE statement that also queues the render
// (addJobSql) and announces the change with pg_notify, which PostgreSQL delivers only if the
// transaction commits (src/jobs/events.ts). Timestamps are the database's (NOW_UTC).
import { NOW_UTC } from '../../db/clock.ts';
import type { Tx } from '../../db/client.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { EditOperation, FaceStatus, JobKind } from '../../generated/prisma/enums.ts';
import { notifyFaceSql } from '../../jobs/events.ts';
import { uuidv7 } from '../../db/ids.ts';
import { renderCacheKey } from '../../jobs/render-key.ts';
import { QUEUE_AND_ANNOUNCE, insertJobSql } from '../../jobs/sql/queue-job.ts';
import { faceNotReady, notFound } from '../errors.ts';
import { latentFromBytes, latentToBytes, type EditRecord, type FaceRecord, type JobRecord } from '../records.ts';
import { EDIT_COLUMNS, FACE_COLUMNS, JOB_COLUMNS, record, selectRecord } from './rows.ts';

export interface LockedFace {
  id: string;
  headEditId: string | null;
  editCount: number;
}

/** Locks the face row (SELECT ... FOR UPDATE): edits of one face run one after another. */
export async function lockFace(tx: Tx, faceId: string): Promise<LockedFace> {
  const rows = await tx.$queryRaw<LockedFace[]>`
    SELECT id::text AS id, "headEditId"::text AS "headEditId", "editCount"
    FROM "Face" WHERE id = ${faceId}::uuid FOR UPDATE`;
  if (!rows.length) throw notFound('face', faceId);
  return rows[0]!;
}

/** Inserts an empty face (no head yet) for a root edit; returns it as locked (it is new). */
export async function insertFace(
  tx: Tx,
  projectId: string,
  name: string,
  status: FaceStatus = 'READY',
): Promise<LockedFace> {
  const id = uuidv7();
  await tx.$executeRawUnsafe(
    `INSERT INTO "Face" (id, "projectId", name, status, "createdAt", "updatedAt")
     VALUES ($1::uuid, $2::uuid, $3, $4::"FaceStatus", ${NOW_UTC}, ${NOW_UTC})`,
    id,
    projectId,
    name,
    status,
  );
  return { id, headEditId: null, editCount: 0 };
}

export interface HeadLatent {
  editId: string;
  latent: Float32Array;
}

/**
 * The head edits' latents of `faceIds`, in that order, in one statement. It runs after lockFace
 * (a separate statement, so its snapshot sees the head as it is under the lock).
 */
export async function headLatents(tx: Tx, faceIds: string[]): Promise<HeadLatent[]> {
  const rows = await tx.$queryRaw<
    { faceId: string; id: string; latent: Uint8Array; status: FaceStatus; failureReason: string | null }[]
  >`
    SELECT f.id::text AS "faceId", e.id::text AS id, e.latent, f.status::text AS status, f."failureReason"
    FROM "Face" f JOIN "Edit" e ON e.id = f."headEditId" WHERE f.id = ANY (${faceIds}::uuid[])`;
  // By id, not a search per face: learnAttribute asks for up to 1,000 faces on the event loop.
  const byId = new Map(rows.map((r) => [r.faceId, r]));
  return faceIds.map((faceId) => {
    const row = byId.get(faceId);
    if (!row) throw notFound('face', faceId);
    if (row.status !== 'READY') throw faceNotReady(faceId, row.status, row.failureReason);
    return { editId: row.id, latent: latentFromBytes(row.latent) };
  });
}

/**
 * Only rows `rows` (of `dim` values) of each face's head latent, concatenated in `faceIds` order.
 * learnAttribute fits one or two rows of up to 1,000 faces: read whole, their latents were 57 MB
 * of bytea parsed on the event loop and held per request; the database cuts the rows out instead.
 */
export async function headRows(tx: Tx, faceIds: string[], rows: number[], dim: number): Promise<Float32Array> {
  const bytes = dim * 4;
  if (!rows.every((r) => Number.isInteger(r) && r >= 0) || !Number.isInteger(bytes)) throw new Error('bad rows');
  const cut = rows.map((r) => `substring(e.latent FROM ${r * bytes + 1} FOR ${bytes})`).join(' || ');
  const found = await tx.$queryRawUnsafe<
    { faceId: string; rows: Uint8Array; status: FaceStatus; failureReason: string | null }[]
  >(
    `SELECT f.id::text AS "faceId", ${cut} AS rows, f.status::text AS status, f."failureReason"
     FROM "Face" f JOIN "Edit" e ON e.id = f."headEditId" WHERE f.id = ANY ($1::uuid[])`,
    faceIds,
  );
  const byId = new Map(found.map((r) => [r.faceId, r]));
  const per = rows.length * dim;
  const out = new Float32Array(faceIds.length * per);
  faceIds.forEach((faceId, i) => {
    const row = byId.get(faceId);
    if (!row) throw notFound('face', faceId);
    if (row.status !== 'READY') throw faceNotReady(faceId, row.status, row.failureReason);
    if (row.rows.byteLength !== per * 4) throw new Error(`face ${faceId}: its latent has fewer rows than asked`);
    out.set(latentFromBytes(row.rows), i * per);
  });
  return out;
}

export interface JobData {
  kind: JobKind;
  faceId: string;
  editId: string;
  modelId: string;
  options: Prisma.InputJsonValue;
}

/**
 * Inserts an InferenceJob (QUEUED) with its queue entry and announces JOB_UPDATED QUEUED. The
 * render's cache key needs the edit's latent (edits never change theirs).
 */
export async function queueJob(tx: Tx, data: JobData): Promise<JobRecord> {
  const edits = await tx.$queryRaw<{ latent: Uint8Array }[]>`SELECT latent FROM "Edit" WHERE id = ${data.editId}::uuid`;
  if (!edits.length) throw notFound('edit', data.editId);
  const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH j AS (${insertJobSql({ id: '$1', kind: '$2', faceId: '$3', editId: '$4', modelId: '$5', options: '$6', cacheKey: '$7' })})
     SELECT ${selectRecord('j', JOB_COLUMNS)}, ${QUEUE_AND_ANNOUNCE} FROM j`,
    uuidv7(),
    data.kind,
    data.faceId,
    data.editId,
    data.modelId,
    JSON.stringify(data.options),
    renderCacheKey(data.modelId, edits[0]!.latent, data.options),
  );
  return record<JobRecord>(rows[0]!, 'j');
}

export interface NewEdit {
  authorTokenId: string | null;
  modelId: string;
  operation: EditOperation;
  params: Prisma.InputJsonValue;
  latent: Float32Array;
  /** The edit's job; default a RENDER_EDIT with no options. */
  job?: { kind: JobKind; options: Prisma.InputJsonValue };
}

export interface EditResult {
  face: FaceRecord;
  edit: EditRecord;
  job: JobRecord;
}

/**
 * Inserts the edit as a child of the locked head and moves the head to it, with the edit's
 * RENDER_EDIT job and queue entry, announcing JOB_UPDATED QUEUED and FACE_UPDATED EDIT: one
 * statement (foreign keys are checked at its end, when all rows exist).
 */
export async function appendEdit(tx: Tx, locked: LockedFace, edit: NewEdit): Promise<EditResult> {
  const latentBytes = latentToBytes(edit.latent);
  const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH e AS (
       INSERT INTO "Edit" (id, "faceId", seq, "parentId", operation, params, latent, "authorTokenId", "createdAt")
       VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::"EditOperation", $6::jsonb, $7, $8::uuid, ${NOW_UTC})
       RETURNING *),
     j AS (${insertJobSql({ id: '$9', kind: '$11', faceId: '$2', editId: '$1', modelId: '$10', options: '$12', cacheKey: '$13' })}),
     f AS (
       UPDATE "Face" SET "headEditId" = $1::uuid, "editCount" = $3, "updatedAt" = ${NOW_UTC}
       WHERE id = $2::uuid
       RETURNING *, id AS "faceId")
     SELECT ${selectRecord('e', EDIT_COLUMNS)}, ${selectRecord('j', JOB_COLUMNS)}, ${selectRecord('f', FACE_COLUMNS)},
       ${QUEUE_AND_ANNOUNCE}, ${notifyFaceSql('f', 'EDIT')}::text AS "faceEvent"
     FROM e, j, f`,
    uuidv7(),
    locked.id,
    locked.editCount + 1,
    locked.headEditId,
    edit.operation,
    JSON.stringify(edit.params),
    latentBytes,
    edit.authorTokenId,
    uuidv7(),
    edit.modelId,
    edit.job?.kind ?? 'RENDER_EDIT',
    JSON.stringify(edit.job?.options ?? {}),
    renderCacheKey(edit.modelId, latentBytes, {}),
  );
  const row = rows[0]!;
  return {
    edit: record<EditRecord>(row, 'e'),
    job: record<JobRecord>(row, 'j'),
    face: record<FaceRecord>(row, 'f'),
  };
}

/** Moves the locked face's head to `editId` and announces FACE_UPDATED HEAD_MOVED: one statement. */
export async function moveHead(tx: Tx, faceId: string, editId: string): Promise<FaceRecord> {
  const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH f AS (
       UPDATE "Face" SET "headEditId" = $2::uuid, "updatedAt" = ${NOW_UTC} WHERE id = $1::uuid
       RETURNING *, id AS "faceId")
     SELECT ${selectRecord('f', FACE_COLUMNS)}, ${notifyFaceSql('f', 'HEAD_MOVED')}::text AS "faceEvent" FROM f`,
    faceId,
    editId,
  );
  if (!rows.length) throw notFound('face', faceId);
  return record<FaceRecord>(rows[0]!, 'f');
}

/** The parent of `editId` (undo's target), or null at the root. */
export async function parentOf(tx: Tx, editId: string): Promise<string | null> {
  const head = await tx.edit.findUnique({ where: { id: editId }, select: { parentId: true } });
  return head?.parentId ?? null;
}

/** The most recent child of `editId` (redo's target), or null when it has none. */
export async function newestChildOf(tx: Tx, editId: string): Promise<string | null> {
  const child = await tx.edit.findFirst({
    where: { parentId: editId },
    orderBy: { seq: 'desc' },
    select: { id: true },
  });
  return child?.id ?? null;
}
