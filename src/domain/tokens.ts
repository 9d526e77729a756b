// Workspaces and their bearer tokens. Only the sha256 of a token is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/client.ts';

const TOKEN_PREFIX = 'ssg_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  token: string;
  tokenId: string;
  workspaceId: string;
  workspaceName: string;
}

/** Creates the workspace if needed and a new token for it; the plain token is returned once. */
export async function createToken(prisma: PrismaClient, workspaceName: string, name?: string): Promise<CreatedToken> {
  const trimmed = workspaceName.trim();
  if (!trimmed || trimmed.length > 100) throw new Error('workspace name must be 1-100 characters');
  const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const workspace = await prisma.workspace.upsert({ where: { name: trimmed }, create: { name: trimmed }, update: {} });
  const row = await prisma.apiToken.create({
    data: { workspaceId: workspace.id, name: name ?? null, tokenHash: hashToken(token), prefix: token.slice(0, 10) },
  });
  return { token, tokenId: row.id, workspaceId: workspace.id, workspaceName: workspace.name };
}

export interface Principal {
  tokenId: string;
  workspaceId: string;
}

/** Resolves an `Authorization` header value to its workspace, or null when absent or refused. */
export async function authenticate(
  prisma: PrismaClient,
  authorization: string | undefined | null,
): Promise<Principal | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return null;
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(match[1]) } });
  if (!row || row.revokedAt) return null;
  return { tokenId: row.id, workspaceId: row.workspaceId };
}

/**
 * `authenticate` with a short-lived cache of accepted tokens (keyed by the token's hash), so that
 * a request does not pay a query for its token. A revoked token is refused within `ttlMs`.
 */
export function createAuthenticator(
  prisma: PrismaClient,
  ttlMs = 5_000,
  maxEntries = 1_000,
): (authorization: string | undefined | null) => Promise<Principal | null> {
  const cache = new Map<string, { principal: Principal; until: number }>();
  return async (authorization) => {
    if (!authorization) return null;
    const now = Date.now();
    const key = hashToken(authorization);
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.principal;
    const principal = await authenticate(prisma, authorization);
    if (!principal) {
      cache.delete(key);
      return null;
    }
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, { principal, until: now + ttlMs });
    return principal;
  };
}
