// The log says why a model directory was skipped: no manifest.json, an unreadable one (permission
// denied, a directory in its place) and a broken model are different reasons.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { ModelRegistry } from '../../src/models/registry.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { openJobsContext, type JobsTestContext } from '../jobs/helpers.ts';
import { TEST_MODELS_DIR } from '../helpers/app.ts';
import { tmpDir } from './helpers.ts';

let t: JobsTestContext;
before(async () => {
  t = await openJobsContext();
});
after(async () => {
  await t?.close();
});

function capturingLog() {
  const lines: { level: number; msg: string; dir?: string; code?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

test('each skipped model directory is logged with its own reason', async () => {
  const root = tmpDir('ssg-model-dirs-');
  fs.cpSync(path.join(TEST_MODELS_DIR, 'demo'), path.join(root, 'demo'), { recursive: true });
  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'notes', 'README.txt'), 'not a model');
  fs.mkdirSync(path.join(root, 'odd', 'manifest.json'), { recursive: true }); // a directory, not a file
  fs.cpSync(path.join(TEST_MODELS_DIR, 'demo'), path.join(root, 'broken'), { recursive: true });
  fs.rmSync(path.join(root, 'broken', 'generator.onnx'));

  const { log, lines } = capturingLog();
  const models = await ModelRegistry.open({
    modelsDir: root,
    demoModel: true,
    executionProviders: ['cpu'],
    batchWindowMs: 2,
    maxBatch: 8,
    log,
  });
  await models.close();
  const about = (name: string) => lines.filter((l) => l.dir === path.join(root, name));
  assert.equal(models.list().length, 1, 'only the demo model loads');

  const notes = about('notes');
  assert.equal(notes.length, 1);
  assert.match(notes[0]!.msg, /skipped: it has no manifest\.json/);

  const odd = about('odd');
  assert.equal(odd.length, 1);
  assert.match(odd[0]!.msg, /skipped: cannot read manifest\.json .*EISDIR/);
  assert.doesNotMatch(odd[0]!.msg, /has no manifest/);

  const broken = about('broken');
  assert.equal(broken.length, 1);
  assert.match(broken[0]!.msg, /skipped: .*generator\.onnx/);
});

test('a model directory the process may not read is logged as a permission error, not as missing', () => {
  // Root reads everything, so the check runs as an unprivileged user (65534, "nobody") when the
  // suite runs as root; otherwise as this user.
  const root = tmpDir('ssg-model-perm-');
  fs.chmodSync(root, 0o755);
  const locked = path.join(root, 'locked');
  fs.cpSync(path.join(TEST_MODELS_DIR, 'demo'), locked, { recursive: true });
  fs.chmodSync(locked, 0o700);
  if (process.getuid?.() !== 0) fs.chmodSync(locked, 0o000);
  const script = path.join(root, 'probe.ts');
  fs.writeFileSync(
    script,
    `import { readManifest } from ${JSON.stringify(path.join(PROJECT_ROOT, 'src/inference/manifest.ts'))};
     try { readManifest(${JSON.stringify(locked)}); console.log('read'); } catch (e) { console.log((e as Error).message); }`,
  );
  fs.chmodSync(script, 0o644);
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, HOME: root },
    ...asNobody,
  });
  fs.chmodSync(locked, 0o755);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /cannot read manifest\.json in .*locked: EACCES: permission denied/);
  assert.doesNotMatch(r.stdout, /has no manifest/);
});
