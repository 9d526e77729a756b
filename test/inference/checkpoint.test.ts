import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { importCheckpoint, CheckpointError, readTorchCheckpoint } from '../../src/inference/checkpoint.ts';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { fixture, npy, relErr, tinyModelDir, tmpDir } from './helpers.ts';

const TOL = 1e-3;

test('reads the torch.save zip: args and g_ema tensors', () => {
  const ck = readTorchCheckpoint(fixture('tiny.pt'));
  assert.ok(ck.keys.includes('g_ema') && ck.keys.includes('args'));
  const sd = ck.stateDict('g_ema');
  const t = sd.get('render_net.convs.1.weight')!;
  assert.deepEqual(t.shape, [24, 24, 3, 3]);
  assert.equal(t.data.length, 24 * 24 * 9);
  const args = ck.get('args') as Record<string, unknown>;
  assert.equal(args.size, 64);
  assert.equal(args.latent, 32);
});

test('imported checkpoint renders like the independent PyTorch reference', async () => {
  const dir = await tinyModelDir();
  const man = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  assert.equal(man.untrained, false);
  assert.equal(man.source.kind, 'checkpoint');
  assert.equal(
    man.source.sha256,
    crypto
      .createHash('sha256')
      .update(fs.readFileSync(fixture('tiny.pt')))
      .digest('hex'),
  );
  assert.equal(man.config.size, 64);
  assert.deepEqual(man.config.transparent_dims, [10, 12]);
  assert.equal(man.components[7].name, 'hair');
  assert.deepEqual(man.components[7].color, [107, 137, 198]);
  assert.equal(man.components[10].transparent, true);
  assert.equal(man.w_avg.length, 32);

  const rt = await ModelRuntime.load(dir);
  try {
    const lat = npy('latents.npy'); // [2, 27, 32]
    const cm = npy('composition_mask.npy'); // [2, 13]
    const n = 27 * 32;
    const raw = await rt.renderRaw(
      [lat.data.slice(0, n), lat.data.slice(n)],
      [cm.data.slice(0, 13), cm.data.slice(13)],
    );
    for (const k of ['image', 'segmentation', 'coarse', 'depth'] as const) {
      const ref = npy(`ref_${k}.npy`);
      assert.equal(raw[k].length, ref.data.length, k);
      const e = relErr(raw[k], ref.data);
      assert.ok(e < TOL, `${k}: relative error ${e}`);
    }
  } finally {
    await rt.close();
  }
  // mapping network
  const z = npy('mapping_z.npy'),
    wRef = npy('mapping_w.npy');
  const s = await ort.InferenceSession.create(path.join(dir, 'mapping.onnx'));
  const out = await s.run({ z: new ort.Tensor('float32', z.data, z.shape) });
  assert.ok(relErr(out.w.data as Float32Array, wRef.data) < TOL);
  await s.release();
});

test('a mis-shaped tensor is refused, naming it', async () => {
  await assert.rejects(importCheckpoint(fixture('bad_shape.pt'), tmpDir()), (e: Error) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /render_net\.convs\.1\.weight/);
    assert.match(e.message, /\[24,23,3,3\]/);
    return true;
  });
});

test('a missing tensor is refused, naming it', async () => {
  await assert.rejects(importCheckpoint(fixture('missing.pt'), tmpDir()), (e: Error) => {
    assert.ok(e instanceof CheckpointError);
    assert.match(e.message, /local_nets\.3\.linears\.2\.conv\.modulation\.weight/);
    return true;
  });
});

test('a truncated / non-zip / absent file is refused', async () => {
  const d = tmpDir();
  const trunc = path.join(d, 'trunc.pt');
  const buf = fs.readFileSync(fixture('tiny.pt'));
  fs.writeFileSync(trunc, buf.subarray(0, Math.floor(buf.length / 2)));
  await assert.rejects(importCheckpoint(trunc, path.join(d, 'out1')), CheckpointError);
  const junk = path.join(d, 'junk.pt');
  fs.writeFileSync(junk, 'not a zip at all');
  await assert.rejects(importCheckpoint(junk, path.join(d, 'out2')), CheckpointError);
  await assert.rejects(importCheckpoint(path.join(d, 'nope.pt'), path.join(d, 'out3')), /does not exist/);
  assert.equal(fs.existsSync(path.join(d, 'out1', 'manifest.json')), false);
});

test('a checkpoint whose tensor storage is cut short is refused, naming the tensor', async () => {
  const AdmZip = (await import('adm-zip')).default;
  const zip = new AdmZip(fixture('tiny.pt'));
  const entry = zip.getEntries().find((e) => e.entryName.endsWith('/data/0'))!;
  const data = entry.getData();
  zip.updateFile(entry, data.subarray(0, 16));
  const d = tmpDir();
  const f = path.join(d, 'short.pt');
  zip.writeZip(f);
  await assert.rejects(importCheckpoint(f, path.join(d, 'out')), (e: Error) => {
    assert.ok(e instanceof CheckpointError, e.message);
    assert.match(e.message, /pos_embed\.weights/);
    return true;
  });
});
