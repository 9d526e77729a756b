// Workspaces and their bearer tokens. Only the sha256 of a token is stored; the plain token is
// shown once, at creation. Caching and revocation across processes: src/auth/authenticator.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/client.ts';

const TOKEN_PREFIX = 'ssg_';
/** Characters of the token kept in clear (`prefix`), to recognise it in listings and revoke it. */
const SHOWN_PREFIX_LENGTH = 10;

/** Every process's authenticator LISTENs here; the payload is the revoked token's id. */
export const TOKEN_REVOKED_CHANNEL = 'ssg_token_revoked';

/** Bad input to a token command (unknown token, ambiguous prefix, bad workspace name). */
export class TokenError extends Error {
  override name = 'TokenError';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  token: string;
  tokenId: string;
  prefix: string;
  workspaceId: string;
  workspaceName: string;
  name: string | null;
  expiresAt: Date | null;
}

/** Creates the workspace if needed and a new token for it; the plain token is returned once. */
export async function createToken(
  prisma: PrismaClient,
  workspaceName: string,
  name?: string,
  expiresAt?: Date,
): Promise<CreatedToken> {
  const trimmed = workspaceName.trim();
  if (!trimmed || trimmed.length > 100) throw new TokenError('workspace name must be 1-100 characters');
  const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const workspace = await prisma.workspace.upsert({ where: { name: trimmed }, create: { name: trimmed }, update: {} });
  const row = await prisma.apiToken.create({
    data: {
      workspaceId: workspace.id,
      name: name ?? null,
      tokenHash: hashToken(token),
      prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
      expiresAt: expiresAt ?? null,
    },
  });
  return {
    token,
    tokenId: row.id,
    prefix: row.prefix,
    workspaceId: workspace.id,
    workspaceName: workspace.name,
    name: row.name,
    expiresAt: row.expiresAt,
  };
}

export interface TokenInfo {
  id: string;
  prefix: string;
  name: string | null;
  workspace: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Every token (or one workspace's), oldest first. An unknown workspace is an error, not an empty list. */
export async function listTokens(prisma: PrismaClient, workspaceName?: string): Promise<TokenInfo[]> {
  if (workspaceName !== undefined) {
    const ws = await prisma.workspace.findUnique({ where: { name: workspaceName.trim() } });
    if (!ws) throw new TokenError(`no workspace named "${workspaceName}"`);
  }
  const rows = await prisma.apiToken.findMany({
    where: workspaceName === undefined ? {} : { workspace: { name: workspaceName.trim() } },
    include: { workspace: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((r) => ({
    id: r.id,
    prefix: r.prefix,
    name: r.name,
    workspace: r.workspace.name,
    createdAt: r.createdAt,
    lastUsedAt: r.lastUsedAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
  }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Revokes the token with this id, or the one whose shown prefix starts with `idOrPrefix`.
 * The update and the NOTIFY that empties every authenticator's cache are one statement, so the
 * notification is sent only if the revocation commits. Revoking twice keeps the first time.
 */
export async function revokeToken(
  prisma: PrismaClient,
  idOrPrefix: string,
): Promise<{ token: TokenInfo; alreadyRevoked: boolean }> {
  const key = idOrPrefix.trim();
  if (!key) throw new TokenError('give a token id or prefix');
  const matches = await prisma.apiToken.findMany({
    where: UUID.test(key) ? { id: key } : { prefix: { startsWith: key } },
    select: { id: true, prefix: true },
    take: 5,
  });
  if (matches.length === 0) throw new TokenError(`no token with id or prefix "${key}" (see ssg token list)`);
  if (matches.length > 1)
    throw new TokenError(`"${key}" matches several tokens (${matches.map((m) => m.prefix).join(', ')}); use the id`);
  const id = matches[0].id;
  const before = await prisma.apiToken.findUniqueOrThrow({ where: { id }, select: { revokedAt: true } });
  await prisma.$executeRaw`
    WITH revoked AS (
      UPDATE "ApiToken" SET "revokedAt" = COALESCE("revokedAt", now()) WHERE id = ${id}::uuid RETURNING id
    )
    SELECT pg_notify(${TOKEN_REVOKED_CHANNEL}, id::text) FROM revoked`;
  const [token] = (await listTokens(prisma)).filter((t) => t.id === id);
  return { token, alreadyRevoked: before.revokedAt !== null };
}

export interface Principal {
  tokenId: string;
  workspaceId: string;
}

/** What the authenticator needs to know about an accepted token. */
export interface AcceptedToken extends Principal {
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/**
 * Resolves an `Authorization` header value to its token, or null when absent, unknown, revoked or
 * expired. One indexed query; no write (src/auth/authenticator.ts records last use).
 */
export async function authenticate(
  prisma: PrismaClient,
  authorization: string | undefined | null,
  now = new Date(),
): Promise<AcceptedToken | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) return null;
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(match[1]) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  return { tokenId: row.id, workspaceId: row.workspaceId, expiresAt: row.expiresAt, lastUsedAt: row.lastUsedAt };
}
