// The authenticator records a token's last use at most once per interval, not on every request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { createAuthenticator } from '../../src/auth/authenticator.ts';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { createToken, revokeToken } from '../../src/domain/tokens.ts';
import { testDatabase } from '../helpers/db.ts';

let db: Awaited<ReturnType<typeof testDatabase>>;
let prisma: PrismaClient;
before(async () => {
  db = await testDatabase();
  prisma = createPrisma(db.url, 2);
});
after(async () => {
  await prisma.$disconnect();
  await db.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lastUsed(tokenId: string): Promise<number | undefined> {
  // The write is not awaited by the request; give it a moment.
  await sleep(100);
  const row = await prisma.apiToken.findUniqueOrThrow({ where: { id: tokenId } });
  return row.lastUsedAt?.getTime();
}

test('lastUsedAt is written once per interval per token', async () => {
  const auth = await createAuthenticator(prisma, {
    databaseUrl: db.url,
    log: pino({ level: 'silent' }),
    lastUsedIntervalMs: 1_000,
    // A cache lifetime far beyond the wait below: only the NOTIFY can empty it in time.
    ttlMs: 600_000,
  });
  try {
    const { token, tokenId } = await createToken(prisma, 'lastused');
    assert.equal(await lastUsed(tokenId), undefined);
    assert.ok(await auth.authenticate(`Bearer ${token}`));
    const first = await lastUsed(tokenId);
    assert.ok(first, 'first use recorded');
    for (let i = 0; i < 5; i++) assert.ok(await auth.authenticate(`Bearer ${token}`));
    assert.equal(await lastUsed(tokenId), first, 'no write within the interval');
    await sleep(1_100);
    assert.ok(await auth.authenticate(`Bearer ${token}`));
    const second = await lastUsed(tokenId);
    assert.ok(second! > first!, 'written again after the interval');

    // Revocation empties the cache through NOTIFY, not after the cache's lifetime.
    await revokeToken(prisma, tokenId);
    const deadline = Date.now() + 10_000;
    while ((await auth.authenticate(`Bearer ${token}`)) !== null && Date.now() < deadline) await sleep(20);
    assert.equal(await auth.authenticate(`Bearer ${token}`), null, 'revoked through NOTIFY');
  } finally {
    await auth.close();
  }
});
