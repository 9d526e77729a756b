// The workspace-scope rule, in one place: a face, and everything hanging off it (edits, jobs),
// belongs to the caller when the face's project is in the caller's workspace; a Render carries its
// workspace itself (the images under renders are shared, Render rows are per workspace). GraphQL
// reads (queries.ts) and file reads (src/http/files.ts) both check it through these two forms;
// whatever fails it is answered as not found.
import { Prisma } from '../generated/prisma/client.ts';
import type { Principal } from './tokens.ts';

/** Prisma `where` for a relation to a Face: `{ face: faceInWorkspace(principal) }`. */
export function faceInWorkspace(principal: Principal) {
  return { project: { workspaceId: principal.workspaceId } } satisfies Prisma.FaceWhereInput;
}

/** SQL condition: the face whose id is the SQL expression `faceId` is in the caller's workspace. */
export function faceInWorkspaceSql(faceId: Prisma.Sql, principal: Principal): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "Face" scope_f JOIN "Project" scope_p ON scope_p.id = scope_f."projectId"
    WHERE scope_f.id = ${faceId} AND scope_p."workspaceId" = ${principal.workspaceId}::uuid)`;
}

/** SQL condition: the Render row `alias` is the caller's workspace's. */
export function renderInWorkspaceSql(alias: string, principal: Principal): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(alias)}."workspaceId" = ${principal.workspaceId}::uuid`;
}
