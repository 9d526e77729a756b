import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { readTorchCheckpoint, configFromArgs } from '../../src/inference/checkpoint.ts';
import { buildGeneratorGraph, expandedRow, positionalFeatures } from '../../src/inference/graph.ts';
import { expectedTensors } from '../../src/inference/config.ts';
import { DEFAULT_CONFIG } from '../../src/inference/config.ts';
import { fixture, npy, relErr } from './helpers.ts';
import { fuseNoiseForCpu } from '../../src/inference/cpu-fusion.ts';
import { DEMO_CONFIG, randomWeights } from '../../src/inference/demo.ts';
import { renderLevels } from '../../src/inference/config.ts';
import { Rng } from '../../src/inference/rng.ts';

test('split / phase / convtranspose upsampling forms agree with each other and the reference', async () => {
  const ck = readTorchCheckpoint(fixture('tiny.pt'));
  const cfg = configFromArgs(ck.get('args'));
  const w = ck.stateDict('g_ema');
  const lat = npy('latents.npy'),
    cm = npy('composition_mask.npy'),
    ref = npy('ref_image.npy');
  const outs: Float32Array[] = [];
  for (const mode of ['split', 'phase', 'convtranspose'] as const) {
    const s = await ort.InferenceSession.create(buildGeneratorGraph(cfg, w, { upsample: mode }).bytes);
    const o = await s.run({
      latent: new ort.Tensor('float32', lat.data, lat.shape),
      composition_mask: new ort.Tensor('float32', cm.data, cm.shape),
    });
    outs.push(o.image.data as Float32Array);
    assert.ok(relErr(o.image.data as Float32Array, ref.data) < 1e-4, mode);
    await s.release();
  }
  assert.ok(relErr(outs[1], outs[0]) < 1e-5);
  assert.ok(relErr(outs[2], outs[0]) < 1e-5);
});

test('noise fusion, the cpu FusedConv rewrite and the interleave forms agree (tiny + NCHWc-aligned demo config)', async () => {
  const ck = readTorchCheckpoint(fixture('tiny.pt'));
  const cases = [
    {
      cfg: configFromArgs(ck.get('args')),
      w: ck.stateDict('g_ema'),
      lat: npy('latents.npy'),
      ref: npy('ref_image.npy'),
    },
    // Widths that are multiples of 16: ORT runs the fused convs in its NCHWc layout.
    {
      cfg: DEMO_CONFIG,
      w: randomWeights(DEMO_CONFIG, 3),
      lat: { data: new Rng(5).normals(2 * 28 * 512), shape: [2, 28, 512] },
      ref: null,
    },
  ];
  for (const { cfg, w, lat, ref } of cases) {
    const K = cfg.seg_dim;
    const cm = new Float32Array(2 * K).fill(1);
    cm[K + 7] = 0;
    const plain = buildGeneratorGraph(cfg, w).bytes;
    const fused = fuseNoiseForCpu(plain);
    assert.equal(fused.fused, 2 * renderLevels(cfg));
    assert.equal(fuseNoiseForCpu(buildGeneratorGraph(cfg, w, { fuseNoise: false }).bytes).fused, 0);
    // 'phase' upsampling: its noise Add follows a DepthToSpace, so the noise conv takes the fusion.
    const phase = buildGeneratorGraph(cfg, w, { upsample: 'phase' }).bytes;
    const phaseFused = fuseNoiseForCpu(phase);
    assert.equal(phaseFused.fused, 2 * renderLevels(cfg));
    const variants = [
      plain,
      fused.bytes,
      buildGeneratorGraph(cfg, w, { fuseNoise: false, interleave: 'depthtospace' }).bytes,
      phase,
      phaseFused.bytes,
    ];
    const outs: Array<Record<string, Float32Array>> = [];
    for (const bytes of variants) {
      const s = await ort.InferenceSession.create(bytes);
      const o = await s.run({
        latent: new ort.Tensor('float32', lat.data, lat.shape),
        composition_mask: new ort.Tensor('float32', cm, [2, K]),
      });
      outs.push({ image: o.image.data as Float32Array, segmentation: o.segmentation.data as Float32Array });
      await s.release();
    }
    for (const k of ['image', 'segmentation']) {
      for (let v = 1; v < variants.length; v++) assert.ok(relErr(outs[v][k], outs[0][k]) < 1e-5, `variant ${v} ${k}`);
    }
    if (ref)
      assert.ok(
        relErr(outs[1].image.subarray(0, ref.data.length / 2), ref.data.subarray(0, ref.data.length / 2)) < 1e-4,
      );
  }
});

test('latent expansion table and positional features follow the spec', () => {
  const c = DEFAULT_CONFIG; // base 2, depth 6, local 10
  assert.deepEqual(
    [0, 5, 6, 9].map((j) => expandedRow(c, 0, j)),
    [2, 2, 3, 3],
  );
  assert.deepEqual(
    [0, 1, 2, 5, 6, 9].map((j) => expandedRow(c, 7, j)),
    [0, 1, 16, 16, 17, 17],
  );
  const f = positionalFeatures({ ...c, coarse_size: 4, size: 8 }); // L = 3 -> 14 channels
  assert.equal(f.length, 14 * 16);
  // pixel (y=0, x=3): x = 1, y = -1; channel order c, sin f0 c, cos f0 c, sin f1 c, ...
  const p = 3,
    P = 16;
  assert.equal(f[0 * P + p], 1);
  assert.equal(f[1 * P + p], -1);
  assert.ok(Math.abs(f[2 * P + p] - Math.sin(1)) < 1e-7);
  assert.ok(Math.abs(f[3 * P + p] - Math.sin(-1)) < 1e-7);
  assert.ok(Math.abs(f[4 * P + p] - Math.cos(1)) < 1e-7);
  assert.ok(Math.abs(f[6 * P + p] - Math.sin(2)) < 1e-7);
});

test("expected tensor table of the authors' 512 px config", () => {
  const t = expectedTensors({ ...DEFAULT_CONFIG, size: 512 });
  assert.deepEqual(t.get('render_net.convs.0.weight'), [512, 512, 3, 3]);
  assert.deepEqual(t.get('render_net.convs.4.weight'), [256, 1024, 3, 3]); // concat at 64
  assert.deepEqual(t.get('render_net.convs.9.weight'), [64, 64, 3, 3]);
  assert.deepEqual(t.get('render_net.noises.noise_9'), [1, 1, 512, 512]);
  assert.deepEqual(t.get('pos_embed.weights'), [64, 38, 1, 1]);
  assert.equal(t.has('local_nets.0.to_depth.conv.weight'), false);
  assert.deepEqual(t.get('local_nets.12.to_feat.conv.weight'), [512, 64, 1, 1]);
  assert.deepEqual(t.get('style.8.weight'), [512, 512]);
});
