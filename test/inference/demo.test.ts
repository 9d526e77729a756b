import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { buildDemoModel, ensureDemoModel } from '../../src/inference/demo.ts';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { tmpDir } from './helpers.ts';

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

test('demo model is byte-for-byte reproducible and labelled untrained', async () => {
  const a = tmpDir(),
    b = tmpDir();
  await buildDemoModel(a);
  await buildDemoModel(b);
  for (const f of ['generator.onnx', 'mapping.onnx', 'manifest.json'])
    assert.equal(sha(path.join(a, f)), sha(path.join(b, f)), f);
  const man = JSON.parse(fs.readFileSync(path.join(a, 'manifest.json'), 'utf8'));
  assert.equal(man.untrained, true);
  assert.equal(man.source.kind, 'demo');
  assert.equal(typeof man.source.seed, 'number');
  assert.equal(man.config.latent, 512);
  assert.equal(man.config.seg_dim, 13);
  assert.ok(man.config.size >= 128);
  assert.equal(man.components[1].name, 'face');
  assert.equal(man.files['generator.onnx'].sha256, sha(path.join(a, 'generator.onnx')));

  const rt = await ModelRuntime.load(a, { intraOpThreads: 2 });
  try {
    assert.equal(rt.info.untrained, true);
    assert.equal(rt.info.layout.nLatent, 28);
    const l = await rt.sample(7, 0.7);
    // Its speed is bench:inference's to measure; here: it renders a picture, not a flat image.
    const r = await rt.render({ latent: l });
    assert.equal(r.width, man.config.size);
    const raw = await rt.renderRaw([l]);
    const img = raw.image;
    assert.ok(Math.max(...img.subarray(0, 4096)) - Math.min(...img.subarray(0, 4096)) > 0.05, 'the render varies');
  } finally {
    await rt.close();
  }

  // ensureDemoModel: keeps an up-to-date one, rebuilds a stale or absent one
  const before = fs.statSync(path.join(a, 'generator.onnx')).mtimeMs;
  await ensureDemoModel(a);
  assert.equal(fs.statSync(path.join(a, 'generator.onnx')).mtimeMs, before);
  man.builderVersion = -1;
  fs.writeFileSync(path.join(b, 'manifest.json'), JSON.stringify(man));
  await ensureDemoModel(b);
  assert.equal(sha(path.join(b, 'manifest.json')), sha(path.join(a, 'manifest.json')));
  const c = path.join(tmpDir(), 'fresh');
  await ensureDemoModel(c);
  assert.equal(sha(path.join(c, 'generator.onnx')), sha(path.join(a, 'generator.onnx')));
});
