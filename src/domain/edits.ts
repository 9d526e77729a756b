// The edit tree: every operation that creates an edit, moves a face's head or queues a render.
// Each runs in ONE transaction that locks the face row (SELECT ... FOR UPDATE), so edits on one
// face are serialised: seq = editCount + 1 is unique, the parent is the head seen under the lock,
// and the edit, its InferenceJob row, its queue entry and its notifications commit together.
// (renderFace creates no edit: its job row, queue entry and notification are one statement.)
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { EditOperation } from '../generated/prisma/enums.ts';
import {
  LatentError,
  checkLatent as checkModelLatent,
  interpolateComponents,
  resampleComponents,
  swapComponents,
  truncate,
} from '../inference/latent.ts';
import { latentFromNpy } from '../inference/npy.ts';
import type { ComponentPart, ModelInfo } from '../inference/types.ts';
import { notifyFaceSql, notifyJobSql } from '../jobs/events.ts';
import { uuidv7 } from '../jobs/ids.ts';
import { requirePart, resolveComponents, type ComponentSelection } from './components.ts';
import { ErrorCode, appError, badInput, conflict, notFound } from './errors.ts';
import { findEdit, findFace, findFaces, findJob, findProject, modelRuntime } from './queries.ts';
import {
  editSelect,
  latentFromBytes,
  latentToBytes,
  type EditRecord,
  type FaceRecord,
  type JobRecord,
} from './records.ts';
import type { Principal } from './tokens.ts';
import { T_RANGE, TRUNCATION_RANGE, requireFinite, requireId, requireName, requireSeed } from './validate.ts';

/** latentBase64 limit (characters). A W+ of the largest released model is well under 100 kB. */
export const MAX_LATENT_BASE64 = 512 * 1024;
export const DEFAULT_TRUNCATION = 0.7;

export interface EditResult {
  face: FaceRecord;
  edit: EditRecord;
  job: JobRecord;
}

const TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

// ---------------------------------------------------------------------------------------------
// Transaction plumbing
//
// Each write is ONE statement that also queues the render (graphile_worker.add_job) and announces
// the change with pg_notify, which PostgreSQL delivers only if the transaction commits
// (src/jobs/events.ts). An edit costs: BEGIN, the face lock, one read of the head latent(s), one
// write, COMMIT.

interface Scope {
  app: AppContext;
  /** The transaction; or the client itself, for a write that is one statement on its own. */
  tx: Tx;
}

async function inTx<T>(app: AppContext, fn: (s: Scope) => Promise<T>): Promise<T> {
  return app.prisma.$transaction((tx) => fn({ app, tx }), TX_OPTIONS);
}

const EDIT_COLUMNS = Object.keys(editSelect) as (keyof EditRecord)[];
const FACE_COLUMNS: (keyof FaceRecord)[] = [
  'id',
  'projectId',
  'name',
  'headEditId',
  'editCount',
  'createdAt',
  'updatedAt',
];
const JOB_COLUMNS: (keyof JobRecord)[] = [
  'id',
  'kind',
  'faceId',
  'editId',
  'modelId',
  'options',
  'status',
  'attempts',
  'maxAttempts',
  'error',
  'workerId',
  'renderId',
  'createdAt',
  'startedAt',
  'finishedAt',
  'updatedAt',
];

/** `alias."column" AS "alias.column"` for each column (enums as text), read back by `record`. */
function selectRecord(alias: string, columns: string[]): string {
  const enums = new Set(['operation', 'kind', 'status']);
  return columns.map((c) => `${alias}."${c}"${enums.has(c) ? '::text' : ''} AS "${alias}.${c}"`).join(', ');
}

function record<T>(row: Record<string, unknown>, alias: string): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(`${alias}.`)) out[k.slice(alias.length + 1)] = v;
  return out as T;
}

/** Timestamps as Prisma writes them: this process's clock, UTC, into `timestamp(3)`. */
const nowUtc = () => new Date().toISOString();

interface LockedFace {
  id: string;
  headEditId: string | null;
  editCount: number;
}

async function lockFace(s: Scope, faceId: string): Promise<LockedFace> {
  const rows = await s.tx.$queryRaw<LockedFace[]>`
    SELECT id::text AS id, "headEditId"::text AS "headEditId", "editCount"
    FROM "Face" WHERE id = ${faceId}::uuid FOR UPDATE`;
  if (!rows.length) throw notFound('face', faceId);
  return rows[0];
}

interface HeadLatent {
  editId: string;
  latent: Float32Array;
}

/**
 * The head edits' latents of `faceIds`, in that order, in one statement. It runs after lockFace
 * (a separate statement, so its snapshot sees the head as it is under the lock).
 */
async function headLatents(s: Scope, faceIds: string[]): Promise<HeadLatent[]> {
  const rows = await s.tx.$queryRaw<{ faceId: string; id: string; latent: Uint8Array }[]>`
    SELECT f.id::text AS "faceId", e.id::text AS id, e.latent
    FROM "Face" f JOIN "Edit" e ON e.id = f."headEditId" WHERE f.id = ANY (${faceIds}::uuid[])`;
  return faceIds.map((faceId) => {
    const row = rows.find((r) => r.faceId === faceId);
    if (!row) throw notFound('face', faceId);
    return { editId: row.id, latent: latentFromBytes(row.latent) };
  });
}

/** The runtime's latent check (shape, finiteness), answered as the API's BAD_USER_INPUT. */
function checkLatent(latent: Float32Array, info: ModelInfo, what = 'latent'): void {
  try {
    checkModelLatent(info.layout, latent, what);
  } catch (err) {
    if (err instanceof LatentError) throw badInput(`${err.message} for model "${info.name}"`, 'latentBase64');
    throw err;
  }
}

interface JobData {
  kind: 'RENDER_EDIT' | 'RENDER_COMPOSITION';
  faceId: string;
  editId: string;
  modelId: string;
  options: Prisma.InputJsonValue;
}

/** Inserts an InferenceJob (QUEUED) with its queue entry and announces JOB_UPDATED QUEUED. */
async function queueJob(s: Scope, data: JobData): Promise<JobRecord> {
  const rows = await s.tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH j AS (
       INSERT INTO "InferenceJob" (id, kind, "faceId", "editId", "modelId", options, "createdAt", "updatedAt")
       VALUES ($1::uuid, $2::"JobKind", $3::uuid, $4::uuid, $5, $6::jsonb, $7::timestamp(3), $7::timestamp(3))
       RETURNING *)
     SELECT ${selectRecord('j', JOB_COLUMNS)},
       (${s.app.jobs.enqueueSql('j')}).id::text AS "queueJobId",
       ${notifyJobSql('j')}::text AS "jobEvent"
     FROM j`,
    uuidv7(),
    data.kind,
    data.faceId,
    data.editId,
    data.modelId,
    JSON.stringify(data.options),
    nowUtc(),
  );
  return record<JobRecord>(rows[0]!, 'j');
}

/**
 * Inserts the edit as a child of the locked head and moves the head to it, with the edit's
 * RENDER_EDIT job and queue entry, announcing JOB_UPDATED QUEUED and FACE_UPDATED EDIT: one
 * statement (foreign keys are checked at its end, when all rows exist).
 */
async function appendEdit(
  s: Scope,
  locked: LockedFace,
  principal: Principal,
  modelId: string,
  operation: EditOperation,
  params: Prisma.InputJsonValue,
  latent: Float32Array,
): Promise<EditResult> {
  const seq = locked.editCount + 1;
  const rows = await s.tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH e AS (
       INSERT INTO "Edit" (id, "faceId", seq, "parentId", operation, params, latent, "authorTokenId", "createdAt")
       VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5::"EditOperation", $6::jsonb, $7, $8::uuid, $9::timestamp(3))
       RETURNING *),
     j AS (
       INSERT INTO "InferenceJob" (id, kind, "faceId", "editId", "modelId", options, "createdAt", "updatedAt")
       VALUES ($10::uuid, 'RENDER_EDIT', $2::uuid, $1::uuid, $11, '{}', $9::timestamp(3), $9::timestamp(3))
       RETURNING *),
     f AS (
       UPDATE "Face" SET "headEditId" = $1::uuid, "editCount" = $3, "updatedAt" = $9::timestamp(3)
       WHERE id = $2::uuid
       RETURNING *, id AS "faceId")
     SELECT ${selectRecord('e', EDIT_COLUMNS)}, ${selectRecord('j', JOB_COLUMNS)}, ${selectRecord('f', FACE_COLUMNS)},
       (${s.app.jobs.enqueueSql('j')}).id::text AS "queueJobId",
       ${notifyJobSql('j')}::text AS "jobEvent",
       ${notifyFaceSql('f', 'EDIT')}::text AS "faceEvent"
     FROM e, j, f`,
    uuidv7(),
    locked.id,
    seq,
    locked.headEditId,
    operation,
    JSON.stringify(params),
    latentToBytes(latent),
    principal.tokenId,
    nowUtc(),
    uuidv7(),
    modelId,
  );
  const row = rows[0]!;
  return {
    edit: record<EditRecord>(row, 'e'),
    job: record<JobRecord>(row, 'j'),
    face: record<FaceRecord>(row, 'f'),
  };
}

function checkExpectedHead(locked: LockedFace, expectedHeadId: string | null | undefined): void {
  if (expectedHeadId === null || expectedHeadId === undefined) return;
  if (locked.headEditId !== expectedHeadId.toLowerCase()) {
    throw conflict(
      `the face's head is ${locked.headEditId}, not the expected ${expectedHeadId}: another edit landed first; reload the face and retry`,
      { headEditId: locked.headEditId, expectedHeadId },
    );
  }
}

function optionalExpectedHead(id: string | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined;
  // A malformed expectedHeadId can never match: report it as a conflict-free input error.
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw badInput(`expectedHeadId ${JSON.stringify(id)} is not an edit id`, 'expectedHeadId');
  return id.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Faces

export interface CreateFaceInput {
  projectId: string;
  name: string;
  seed?: number | null;
  truncation?: number | null;
}

export async function createFace(app: AppContext, principal: Principal, input: CreateFaceInput): Promise<EditResult> {
  const projectId = requireId('project', input.projectId);
  const name = requireName(input.name);
  const seed =
    input.seed === null || input.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : requireSeed(input.seed);
  const truncation =
    input.truncation === null || input.truncation === undefined
      ? DEFAULT_TRUNCATION
      : requireFinite(input.truncation, 'truncation', ...TRUNCATION_RANGE);
  const project = await findProject(app, principal, projectId);
  const runtime = modelRuntime(app, project.modelId);
  const latent = await runtime.sample(seed, truncation);
  checkLatent(latent, runtime.info, 'sampled latent');
  return rootEdit(app, principal, project.id, project.modelId, name, 'SAMPLE', { seed, truncation }, latent);
}

export interface ImportFaceInput {
  projectId: string;
  name: string;
  latentBase64: string;
}

export async function importFace(app: AppContext, principal: Principal, input: ImportFaceInput): Promise<EditResult> {
  const projectId = requireId('project', input.projectId);
  const name = requireName(input.name);
  const b64 = typeof input.latentBase64 === 'string' ? input.latentBase64.trim() : '';
  if (b64.length > MAX_LATENT_BASE64) {
    throw appError(
      ErrorCode.UPLOAD_TOO_LARGE,
      `latentBase64 is ${b64.length} characters; the limit is ${MAX_LATENT_BASE64} (a W+ .npy is far smaller: check the file)`,
      { limit: MAX_LATENT_BASE64 },
    );
  }
  if (!b64 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
    throw badInput('latentBase64 must be a base64-encoded .npy file', 'latentBase64');
  }
  const project = await findProject(app, principal, projectId);
  const runtime = modelRuntime(app, project.modelId);
  const bytes = Buffer.from(b64, 'base64');
  let latent: Float32Array;
  try {
    latent = latentFromNpy(bytes, runtime.info.layout);
  } catch (err) {
    throw badInput(`latentBase64 is not a usable latent: ${(err as Error).message}`, 'latentBase64');
  }
  checkLatent(latent, runtime.info);
  return rootEdit(app, principal, project.id, project.modelId, name, 'IMPORT', { bytes: bytes.length }, latent);
}

async function rootEdit(
  app: AppContext,
  principal: Principal,
  projectId: string,
  modelId: string,
  name: string,
  operation: EditOperation,
  params: Prisma.InputJsonValue,
  latent: Float32Array,
): Promise<EditResult> {
  return inTx(app, async (s) => {
    const face = await s.tx.face.create({ data: { projectId, name }, select: { id: true } });
    return appendEdit(
      s,
      { id: face.id, headEditId: null, editCount: 0 },
      principal,
      modelId,
      operation,
      params,
      latent,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Latent edits

function selection(info: ModelInfo, names: string[], part: string): ComponentSelection & { names: string[] } {
  const p = requirePart(part);
  const r = resolveComponents(info, names, { allowCoarse: true });
  return { components: r.components, coarse: r.coarse, part: p, names: r.names };
}

export interface SwapComponentsInput {
  targetFaceId: string;
  sourceFaceId: string;
  components: string[];
  part: ComponentPart;
  expectedHeadId?: string | null;
}

export async function swapFaceComponents(
  app: AppContext,
  principal: Principal,
  input: SwapComponentsInput,
): Promise<EditResult> {
  const targetId = requireId('face', input.targetFaceId);
  const sourceId = requireId('face', input.sourceFaceId);
  const expected = optionalExpectedHead(input.expectedHeadId);
  const [{ face: target, project }, { project: sourceProject }] = await findFaces(app, principal, [targetId, sourceId]);
  if (targetId === sourceId) throw badInput('sourceFaceId must be another face than targetFaceId', 'sourceFaceId');
  if (sourceProject.modelId !== project.modelId) {
    throw badInput(
      'the source face uses another model than the target face; swap needs faces of one model',
      'sourceFaceId',
    );
  }
  const runtime = modelRuntime(app, project.modelId);
  const sel = selection(runtime.info, input.components, input.part);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, target.id);
    checkExpectedHead(locked, expected);
    const [mine, theirs] = await headLatents(s, [target.id, sourceId]);
    const latent = swapComponents(runtime.info.layout, mine.latent, theirs.latent, sel);
    checkLatent(latent, runtime.info);
    const params = { sourceFaceId: sourceId, sourceEditId: theirs.editId, components: sel.names, part: sel.part };
    return appendEdit(s, locked, principal, project.modelId, 'SWAP', params, latent);
  });
}

export interface ResampleComponentsInput {
  faceId: string;
  components: string[];
  part: ComponentPart;
  seed?: number | null;
  truncation?: number | null;
  expectedHeadId?: string | null;
}

export async function resampleFaceComponents(
  app: AppContext,
  principal: Principal,
  input: ResampleComponentsInput,
): Promise<EditResult> {
  const faceId = requireId('face', input.faceId);
  const expected = optionalExpectedHead(input.expectedHeadId);
  const seed =
    input.seed === null || input.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : requireSeed(input.seed);
  const truncation =
    input.truncation === null || input.truncation === undefined
      ? DEFAULT_TRUNCATION
      : requireFinite(input.truncation, 'truncation', ...TRUNCATION_RANGE);
  const { face, project } = await findFace(app, principal, faceId);
  const runtime = modelRuntime(app, project.modelId);
  const sel = selection(runtime.info, input.components, input.part);
  // Fresh codes from mapping(z(seed)); the listed components take them (same as a swap from them).
  const fresh = await runtime.sample(seed, truncation);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, face.id);
    checkExpectedHead(locked, expected);
    const [mine] = await headLatents(s, [face.id]);
    const latent = resampleComponents(runtime.info.layout, mine.latent, fresh, sel);
    checkLatent(latent, runtime.info);
    const params = { components: sel.names, part: sel.part, seed, truncation };
    return appendEdit(s, locked, principal, project.modelId, 'RESAMPLE', params, latent);
  });
}

export interface InterpolateComponentsInput {
  faceId: string;
  otherFaceId: string;
  components: string[];
  part: ComponentPart;
  t: number;
  expectedHeadId?: string | null;
}

export async function interpolateFaceComponents(
  app: AppContext,
  principal: Principal,
  input: InterpolateComponentsInput,
): Promise<EditResult> {
  const faceId = requireId('face', input.faceId);
  const otherId = requireId('face', input.otherFaceId);
  const expected = optionalExpectedHead(input.expectedHeadId);
  const t = requireFinite(input.t, 't', ...T_RANGE);
  const [{ face, project }, { project: otherProject }] = await findFaces(app, principal, [faceId, otherId]);
  if (otherProject.modelId !== project.modelId) {
    throw badInput('the other face uses another model; interpolation needs faces of one model', 'otherFaceId');
  }
  const runtime = modelRuntime(app, project.modelId);
  const sel = selection(runtime.info, input.components, input.part);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, face.id);
    checkExpectedHead(locked, expected);
    const [mine, theirs] = await headLatents(s, [face.id, otherId]);
    const latent = interpolateComponents(runtime.info.layout, mine.latent, theirs.latent, sel, t);
    checkLatent(latent, runtime.info);
    const params = { otherFaceId: otherId, otherEditId: theirs.editId, components: sel.names, part: sel.part, t };
    return appendEdit(s, locked, principal, project.modelId, 'INTERPOLATE', params, latent);
  });
}

export interface SetTruncationInput {
  faceId: string;
  psi: number;
  expectedHeadId?: string | null;
}

export async function setFaceTruncation(
  app: AppContext,
  principal: Principal,
  input: SetTruncationInput,
): Promise<EditResult> {
  const faceId = requireId('face', input.faceId);
  const expected = optionalExpectedHead(input.expectedHeadId);
  const psi = requireFinite(input.psi, 'psi', ...TRUNCATION_RANGE);
  const { face, project } = await findFace(app, principal, faceId);
  const runtime = modelRuntime(app, project.modelId);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, face.id);
    checkExpectedHead(locked, expected);
    const [mine] = await headLatents(s, [face.id]);
    const latent = truncate(mine.latent, runtime.wAvg, psi);
    checkLatent(latent, runtime.info);
    return appendEdit(s, locked, principal, project.modelId, 'TRUNCATE', { psi }, latent);
  });
}

// ---------------------------------------------------------------------------------------------
// Head moves (no new latent)

/** Moves the locked face's head to `editId` and announces FACE_UPDATED HEAD_MOVED: one statement. */
async function moveHead(s: Scope, faceId: string, editId: string): Promise<FaceRecord> {
  const rows = await s.tx.$queryRawUnsafe<Record<string, unknown>[]>(
    `WITH f AS (
       UPDATE "Face" SET "headEditId" = $2::uuid, "updatedAt" = $3::timestamp(3) WHERE id = $1::uuid
       RETURNING *, id AS "faceId")
     SELECT ${selectRecord('f', FACE_COLUMNS)}, ${notifyFaceSql('f', 'HEAD_MOVED')}::text AS "faceEvent" FROM f`,
    faceId,
    editId,
    nowUtc(),
  );
  if (!rows.length) throw notFound('face', faceId);
  return record<FaceRecord>(rows[0]!, 'f');
}

export async function undo(
  app: AppContext,
  principal: Principal,
  faceIdRaw: string,
  expectedHeadId?: string | null,
): Promise<FaceRecord> {
  const faceId = requireId('face', faceIdRaw);
  const expected = optionalExpectedHead(expectedHeadId);
  await findFace(app, principal, faceId);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, faceId);
    checkExpectedHead(locked, expected);
    const head = await s.tx.edit.findUnique({ where: { id: locked.headEditId! }, select: { parentId: true } });
    if (!head?.parentId) {
      throw appError(ErrorCode.NOTHING_TO_UNDO, 'nothing to undo: the face is at the root of its history', { faceId });
    }
    return moveHead(s, faceId, head.parentId);
  });
}

export async function redo(
  app: AppContext,
  principal: Principal,
  faceIdRaw: string,
  expectedHeadId?: string | null,
): Promise<FaceRecord> {
  const faceId = requireId('face', faceIdRaw);
  const expected = optionalExpectedHead(expectedHeadId);
  await findFace(app, principal, faceId);
  return inTx(app, async (s) => {
    const locked = await lockFace(s, faceId);
    checkExpectedHead(locked, expected);
    const child = await s.tx.edit.findFirst({
      where: { parentId: locked.headEditId! },
      orderBy: { seq: 'desc' },
      select: { id: true },
    });
    if (!child) {
      throw appError(ErrorCode.NOTHING_TO_REDO, 'nothing to redo: the head edit has no child', { faceId });
    }
    return moveHead(s, faceId, child.id);
  });
}

export async function revertTo(
  app: AppContext,
  principal: Principal,
  editIdRaw: string,
  faceIdRaw?: string | null,
  expectedHeadId?: string | null,
): Promise<FaceRecord> {
  const editId = requireId('edit', editIdRaw);
  const expected = optionalExpectedHead(expectedHeadId);
  const edit = await findEdit(app, principal, editId);
  if (faceIdRaw !== null && faceIdRaw !== undefined) {
    const faceId = requireId('face', faceIdRaw);
    await findFace(app, principal, faceId);
    if (edit.faceId !== faceId) {
      throw badInput(
        `edit ${editId} belongs to another face than ${faceId}; revertTo moves a face's head within its own history`,
        'editId',
      );
    }
  }
  return inTx(app, async (s) => {
    const locked = await lockFace(s, edit.faceId);
    checkExpectedHead(locked, expected);
    return moveHead(s, edit.faceId, edit.id);
  });
}

// ---------------------------------------------------------------------------------------------
// Renders and jobs

export interface RenderFaceInput {
  faceId: string;
  editId?: string | null;
  components: string[];
}

export async function renderFace(app: AppContext, principal: Principal, input: RenderFaceInput): Promise<JobRecord> {
  const faceId = requireId('face', input.faceId);
  const editId = input.editId === null || input.editId === undefined ? undefined : requireId('edit', input.editId);
  const { face, project } = await findFace(app, principal, faceId);
  const runtime = modelRuntime(app, project.modelId);
  const { components, names } = resolveComponents(runtime.info, input.components, { allowCoarse: false });
  let targetEditId = face.headEditId!;
  if (editId) {
    const edit = await findEdit(app, principal, editId);
    if (edit.faceId !== face.id) throw badInput(`edit ${editId} is not an edit of face ${face.id}`, 'editId');
    targetEditId = edit.id;
  }
  // One statement (job row, queue entry, event) is atomic by itself: no transaction needed.
  return queueJob(
    { app, tx: app.prisma },
    {
      kind: 'RENDER_COMPOSITION',
      faceId: face.id,
      editId: targetEditId,
      modelId: project.modelId,
      options: { components, componentNames: names },
    },
  );
}

/** Cancels a QUEUED job; a job that already started or ended is returned unchanged. */
export async function cancelJob(app: AppContext, principal: Principal, jobIdRaw: string): Promise<JobRecord> {
  const jobId = requireId('job', jobIdRaw);
  const job = await findJob(app, principal, jobId);
  // The queue announces the change (JOB_UPDATED) itself.
  if (job.status === 'QUEUED') await app.jobs.cancel(job.id);
  return findJob(app, principal, jobId);
}
