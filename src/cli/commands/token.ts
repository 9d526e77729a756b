// `ssg token create|list|revoke`. Each opens the database the server uses (DATABASE_URL or the
// embedded one in SSG_DATA_DIR), migrating it first so that a token can be made before any start.
import { loadConfig } from '../../config.ts';
import type { PrismaClient } from '../../db/client.ts';
import type { TokenInfo } from '../../domain/tokens.ts';
import { UsageError, type Command } from '../args.ts';

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** `30d`, `12h`, `90m`, `45s`, `2w` in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`token create: --expires-in must be a positive number and s, m, h, d or w (got "${text}")`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

async function withPrisma<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { openDatabase } = await import('../../db/database.ts');
  const { migrate } = await import('../../db/migrate.ts');
  const { createPrisma } = await import('../../db/client.ts');
  const db = await openDatabase(config);
  try {
    await migrate(db.url);
    const prisma = createPrisma(db.url, 1);
    try {
      return await fn(prisma);
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await db.stop();
  }
}

export const tokenCreate: Command = async ({ values }) => {
  const expiresInMs = typeof values['expires-in'] === 'string' ? parseDuration(values['expires-in']) : undefined;
  const { createToken } = await import('../../domain/tokens.ts');
  const created = await withPrisma((prisma) => {
    const expiresAt = expiresInMs === undefined ? undefined : new Date(Date.now() + expiresInMs);
    return createToken(prisma, values.workspace as string, values.name as string | undefined, expiresAt);
  });
  if (values.json) {
    const { token, tokenId: id, prefix, workspaceName: workspace, name, expiresAt } = created;
    console.log(JSON.stringify({ token, id, prefix, workspace, name, expiresAt }));
    return;
  }
  const expiry = created.expiresAt ? `, expires ${formatDate(created.expiresAt)}` : '';
  console.log(`token ${created.prefix}… for workspace "${created.workspaceName}"${expiry}`);
  console.log('shown once; keep it secret:');
  console.log(created.token); // the last line: README and scripts read it
};

export const tokenList: Command = async ({ values }) => {
  const { listTokens } = await import('../../domain/tokens.ts');
  const tokens = await withPrisma((prisma) => listTokens(prisma, values.workspace as string | undefined));
  if (values.json) {
    console.log(JSON.stringify(tokens));
    return;
  }
  if (!tokens.length) {
    console.log('no tokens (ssg token create --workspace NAME makes one)');
    return;
  }
  console.log(table(tokens));
};

export const tokenRevoke: Command = async ({ values, positionals }) => {
  const { revokeToken } = await import('../../domain/tokens.ts');
  const { token, alreadyRevoked } = await withPrisma((prisma) => revokeToken(prisma, positionals[0]));
  if (values.json) console.log(JSON.stringify({ ...token, alreadyRevoked }));
  else if (alreadyRevoked) console.log(`token ${token.prefix}… was already revoked at ${formatDate(token.revokedAt)}`);
  else console.log(`revoked token ${token.prefix}… (${token.id}) of workspace "${token.workspace}"`);
};

function formatDate(d: Date | null): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

function table(tokens: TokenInfo[]): string {
  const now = new Date();
  const rows = [
    ['ID', 'PREFIX', 'NAME', 'WORKSPACE', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'],
    ...tokens.map((t) => [
      t.id,
      t.prefix,
      t.name ?? '-',
      t.workspace,
      formatDate(t.createdAt),
      formatDate(t.lastUsedAt),
      t.expiresAt && t.expiresAt <= now ? `${formatDate(t.expiresAt)} (expired)` : formatDate(t.expiresAt),
      formatDate(t.revokedAt),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
