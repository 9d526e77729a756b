// Bad configuration exits non-zero with one line that says what to fix.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { ssg } from '../helpers/ssg.ts';

function runSsg(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
  return ssg(args, { env: { DATABASE_URL: '', LOG_LEVEL: 'silent', ...env }, timeoutMs });
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  return lines[0];
}

test('an unreachable DATABASE_URL', async () => {
  const r = await runSsg(['start'], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere', PORT: '0' });
  assert.notEqual(r.code, 0);
  assert.match(oneLine(r.stderr), /^ssg: cannot connect to DATABASE_URL .*127\.0\.0\.1:1.*fix DATABASE_URL/);
});

test('a port already in use', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
  const { port } = blocker.address() as net.AddressInfo;
  const db = await testDatabase();
  try {
    const r = await runSsg(['start'], { DATABASE_URL: db.url, PORT: String(port), SSG_MODELS_DIR: TEST_MODELS_DIR });
    assert.notEqual(r.code, 0);
    assert.equal(
      oneLine(r.stderr),
      `ssg: port ${port} is already in use; stop the other process or set PORT to a free port`,
    );
  } finally {
    blocker.close();
    await db.drop();
  }
});

test('an unwritable data directory', async () => {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ssg-cfg-'));
  const file = path.join(tmp, 'not-a-dir');
  await writeFile(file, 'x');
  // A path below a regular file can never be created, even by root.
  const r = await runSsg(['start'], { SSG_DATA_DIR: path.join(file, 'data'), PORT: '0' });
  assert.notEqual(r.code, 0);
  assert.match(oneLine(r.stderr), /^ssg: data directory .*not-a-dir\/data is not writable .*set SSG_DATA_DIR$/);
});

test('a malformed PORT', async () => {
  const r = await runSsg(['start'], { PORT: 'eighty' });
  assert.notEqual(r.code, 0);
  assert.match(oneLine(r.stderr), /^ssg: PORT=eighty is not a whole number/);
});
