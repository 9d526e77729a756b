// Reads, always scoped to the caller's workspace (scope.ts): another workspace's ids are answered as not found.
import type { AppContext } from '../context.ts';
import { NOW_UTC } from '../db/clock.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { ModelInfo } from '../inference/types.ts';
import { uuidv7 } from '../db/ids.ts';
import { ErrorCode, appError, badInput, faceNotReady, notFound } from './errors.ts';
import { pageSize, parseIdCursor, parseSeqCursor, idCursor, seqCursor, toPage, type Page } from './pagination.ts';
import { editSelect, type EditRecord, type FaceRecord, type JobRecord, type ProjectRecord } from './records.ts';
import { faceInWorkspace, faceInWorkspaceSql } from './scope.ts';
import type { Principal } from './tokens.ts';
import { requireId, requireName } from './validate.ts';

export type Runtime = NonNullable<ReturnType<AppContext['models']['get']>>;

/** The loaded runtime of a model, or MODEL_UNAVAILABLE when this process does not serve it. */
export function modelRuntime(app: AppContext, modelId: string): Runtime {
  const runtime = app.models.get(modelId);
  if (!runtime) {
    throw appError(
      ErrorCode.MODEL_UNAVAILABLE,
      `model ${modelId} is not loaded by this server; ask an operator to install it`,
      {
        modelId,
      },
    );
  }
  return runtime;
}

export function modelInfo(app: AppContext, modelId: string): ModelInfo | undefined {
  return app.models.get(modelId)?.info;
}

export async function findProject(app: AppContext, principal: Principal, id: string): Promise<ProjectRecord> {
  const projectId = requireId('project', id);
  const project = await app.prisma.project.findFirst({ where: { id: projectId, workspaceId: principal.workspaceId } });
  if (!project) throw notFound('project', id);
  return project;
}

export async function findFace(
  app: AppContext,
  principal: Principal,
  id: string,
): Promise<{ face: FaceRecord; project: ProjectRecord }> {
  return (await findFaces(app, principal, [id]))[0]!;
}

/**
 * Faces with their projects, in the order of `ids` (repeats allowed), in one statement; NOT_FOUND
 * for the first id that is not a face of the caller's workspace.
 */
export async function findFaces(
  app: AppContext,
  principal: Principal,
  ids: string[],
): Promise<{ face: FaceRecord; project: ProjectRecord }[]> {
  const faceIds = ids.map((id) => requireId('face', id));
  // One statement for the faces and their projects (scoped to the workspace).
  const rows = await app.prisma.$queryRaw<(FaceRecord & { p_name: string; p_modelId: string; p_createdAt: Date })[]>`
    SELECT f.id::text AS id, f."projectId"::text AS "projectId", f.name, f."headEditId"::text AS "headEditId", f."editCount", f.status::text AS status,
           f."failureReason", f."createdAt", f."updatedAt", p.name AS p_name, p."modelId" AS "p_modelId", p."createdAt" AS "p_createdAt"
    FROM "Face" f JOIN "Project" p ON p.id = f."projectId"
    WHERE f.id = ANY (${faceIds}::uuid[]) AND ${faceInWorkspaceSql(Prisma.sql`f.id`, principal)}`;
  // By id, not a search per face: learnAttribute asks for up to 1,000 faces on the event loop.
  const byId = new Map(rows.map((r) => [r.id, r]));
  return faceIds.map((faceId, i) => {
    const row = byId.get(faceId);
    if (!row) throw notFound('face', ids[i]!);
    const { p_name, p_modelId, p_createdAt, ...face } = row;
    return {
      face,
      project: {
        id: face.projectId,
        workspaceId: principal.workspaceId,
        name: p_name,
        modelId: p_modelId,
        createdAt: p_createdAt,
      },
    };
  });
}

export async function findEdit(app: AppContext, principal: Principal, id: string): Promise<EditRecord> {
  const editId = requireId('edit', id);
  const edit = await app.prisma.edit.findFirst({
    where: { id: editId, face: faceInWorkspace(principal) },
    select: editSelect,
  });
  if (!edit) throw notFound('edit', id);
  return edit;
}

export async function findJob(app: AppContext, principal: Principal, id: string): Promise<JobRecord> {
  const jobId = requireId('job', id);
  const job = await app.prisma.inferenceJob.findFirst({
    where: { id: jobId, face: faceInWorkspace(principal) },
  });
  if (!job) throw notFound('job', id);
  return job;
}

/** The latent of an edit (float32 bytes) with the model it belongs to. */
export async function editLatent(
  app: AppContext,
  principal: Principal,
  id: string,
): Promise<{ latent: Uint8Array; modelId: string }> {
  const editId = requireId('edit', id);
  const rows = await app.prisma.$queryRaw<
    { latent: Uint8Array; modelId: string; faceId: string; status: string; failureReason: string | null }[]
  >`
    SELECT e.latent, p."modelId", f.id::text AS "faceId", f.status::text AS status, f."failureReason"
    FROM "Edit" e JOIN "Face" f ON f.id = e."faceId" JOIN "Project" p ON p.id = f."projectId"
    WHERE e.id = ${editId}::uuid AND ${faceInWorkspaceSql(Prisma.sql`e."faceId"`, principal)}`;
  if (!rows.length) throw notFound('edit', id);
  const { latent, modelId, faceId, status, failureReason } = rows[0]!;
  // A face being inverted holds a placeholder latent until its job writes the found one.
  if (status !== 'READY') throw faceNotReady(faceId, status, failureReason);
  return { latent, modelId };
}

// ---------------------------------------------------------------------------------------------
// Lists (newest first)

export async function listProjects(
  app: AppContext,
  principal: Principal,
  args: { first?: number | null; after?: string | null },
): Promise<Page<ProjectRecord>> {
  const first = pageSize(args.first);
  const after = parseIdCursor(args.after);
  const rows = await app.prisma.project.findMany({
    where: { workspaceId: principal.workspaceId, ...(after ? { id: { lt: after } } : {}) },
    orderBy: { id: 'desc' },
    take: first + 1,
  });
  return toPage(rows, first, (r) => idCursor(r.id), after);
}

export async function listFaces(
  app: AppContext,
  projectId: string,
  args: { first?: number | null; after?: string | null },
): Promise<Page<FaceRecord>> {
  const first = pageSize(args.first);
  const after = parseIdCursor(args.after);
  const rows = await app.prisma.face.findMany({
    where: { projectId, ...(after ? { id: { lt: after } } : {}) },
    orderBy: { id: 'desc' },
    take: first + 1,
  });
  return toPage(rows, first, (r) => idCursor(r.id), after);
}

/** A face's history, newest first (seq descending). */
export async function listEdits(
  app: AppContext,
  faceId: string,
  args: { first?: number | null; after?: string | null },
): Promise<Page<EditRecord>> {
  const first = pageSize(args.first);
  const after = parseSeqCursor(args.after);
  const rows = await app.prisma.edit.findMany({
    where: { faceId, ...(after ? { seq: { lt: after } } : {}) },
    orderBy: { seq: 'desc' },
    take: first + 1,
    select: editSelect,
  });
  return toPage(rows, first, (r) => seqCursor(r.seq), after);
}

// ---------------------------------------------------------------------------------------------
// Projects

export async function createProject(
  app: AppContext,
  principal: Principal,
  input: { name: string; modelId?: string | null },
): Promise<ProjectRecord> {
  const name = requireName(input.name);
  const modelId = input.modelId ?? app.models.defaultModelId;
  if (!app.models.get(modelId)) {
    const known = app.models.list().map((m) => `${m.id} (${m.name})`);
    throw badInput(`unknown model ${JSON.stringify(modelId)}; this server has: ${known.join(', ')}`, 'modelId');
  }
  // Raw, for the database's clock: Prisma fills @default(now()) from this process's clock.
  const rows = await app.prisma.$queryRawUnsafe<ProjectRecord[]>(
    `INSERT INTO "Project" (id, "workspaceId", name, "modelId", "createdAt")
     VALUES ($1::uuid, $2::uuid, $3, $4, ${NOW_UTC})
     RETURNING id::text AS id, "workspaceId"::text AS "workspaceId", name, "modelId", "createdAt"`,
    uuidv7(),
    principal.workspaceId,
    name,
    modelId,
  );
  return rows[0]!;
}

/** totalCount of the projects connection. */
export function countProjects(app: AppContext, principal: Principal): Promise<number> {
  return app.prisma.project.count({ where: { workspaceId: principal.workspaceId } });
}

/** totalCount of a project's faces connection. */
export function countFaces(app: AppContext, projectId: string): Promise<number> {
  return app.prisma.face.count({ where: { projectId } });
}
