// Renaming and deleting projects and faces, scoped to the caller's workspace (another workspace's
// ids are NOT_FOUND, as everywhere). Statements: sql/deletes.ts.
import type { AppContext } from '../context.ts';
import { notFound } from './errors.ts';
import { findFace, findProject } from './queries.ts';
import type { FaceRecord, ProjectRecord } from './records.ts';
import { deleteFaces, renameFaceRow, renameProjectRow, type DeletedCounts } from './sql/deletes.ts';
import type { Principal } from './tokens.ts';
import { requireName } from './validate.ts';

const TX_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;

export interface Deletion extends DeletedCounts {
  id: string;
}

export async function renameProject(
  app: AppContext,
  principal: Principal,
  id: string,
  nameRaw: string,
): Promise<ProjectRecord> {
  const project = await findProject(app, principal, id);
  const name = requireName(nameRaw);
  if (!(await renameProjectRow(app.prisma, project.id, name))) throw notFound('project', id);
  return { ...project, name };
}

export async function renameFace(
  app: AppContext,
  principal: Principal,
  id: string,
  nameRaw: string,
): Promise<FaceRecord> {
  const { face } = await findFace(app, principal, id);
  const name = requireName(nameRaw);
  if (!(await renameFaceRow(app.prisma, face.id, name))) throw notFound('face', id);
  return (await findFace(app, principal, face.id)).face;
}

/** Deletes a face: its edits, its job rows (QUEUED ones cancelled first), the renders only it used. */
export async function deleteFace(app: AppContext, principal: Principal, id: string): Promise<Deletion> {
  const { face } = await findFace(app, principal, id);
  const counts = await app.prisma.$transaction((tx) => deleteFaces(tx, { faceId: face.id }), TX_OPTIONS);
  if (!counts.faces) throw notFound('face', id); // deleted meanwhile by another request
  return { id: face.id, ...counts };
}

/** Deletes a project and every face in it, as deleteFace does for one. */
export async function deleteProject(app: AppContext, principal: Principal, id: string): Promise<Deletion> {
  const project = await findProject(app, principal, id);
  const counts = await app.prisma.$transaction((tx) => deleteFaces(tx, { projectId: project.id }), TX_OPTIONS);
  return { id: project.id, ...counts };
}
