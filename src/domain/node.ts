// Relay's node(id): ids stay the plain UUIDs every other field uses (UUIDv7, unique across tables),
// so no id changes; the type is looked up in one statement, then read through its own finder,
// which applies the workspace scope (another workspace's id reads as absent).
import type { AppContext } from '../context.ts';
import { ErrorCode } from './errors.ts';
import { findEdit, findFace, findJob, findProject } from './queries.ts';
import type { EditRecord, FaceRecord, JobRecord, ProjectRecord } from './records.ts';
import type { Principal } from './tokens.ts';
import { isUuid } from './validate.ts';

export type NodeTypeName = 'Project' | 'Face' | 'Edit' | 'InferenceJob';
export type NodeRecord = (ProjectRecord | FaceRecord | EditRecord | JobRecord) & { __typename: NodeTypeName };

const TYPE_OF_ID = `SELECT CASE
  WHEN EXISTS (SELECT 1 FROM "Project" WHERE id = $1::uuid) THEN 'Project'
  WHEN EXISTS (SELECT 1 FROM "Face" WHERE id = $1::uuid) THEN 'Face'
  WHEN EXISTS (SELECT 1 FROM "Edit" WHERE id = $1::uuid) THEN 'Edit'
  WHEN EXISTS (SELECT 1 FROM "InferenceJob" WHERE id = $1::uuid) THEN 'InferenceJob' END AS type`;

/** The project, face, edit or job with this id in the caller's workspace; null when there is none. */
export async function findNode(app: AppContext, principal: Principal, id: string): Promise<NodeRecord | null> {
  if (!isUuid(id)) return null;
  const rows = await app.prisma.$queryRawUnsafe<{ type: NodeTypeName | null }[]>(TYPE_OF_ID, id);
  const type = rows[0]?.type;
  if (!type) return null;
  try {
    const record =
      type === 'Project'
        ? await findProject(app, principal, id)
        : type === 'Face'
          ? (await findFace(app, principal, id)).face
          : type === 'Edit'
            ? await findEdit(app, principal, id)
            : await findJob(app, principal, id);
    return { ...record, __typename: type };
  } catch (err) {
    if ((err as { extensions?: { code?: string } }).extensions?.code === ErrorCode.NOT_FOUND) return null;
    throw err;
  }
}
