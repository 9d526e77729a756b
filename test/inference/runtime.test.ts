import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { ModelRuntime, ModelLoadError } from '../../src/inference/runtime.ts';
import { LatentError, swapComponents, expandLatent } from '../../src/inference/latent.ts';
import { readTorchCheckpoint, configFromArgs } from '../../src/inference/checkpoint.ts';
import { buildGeneratorGraph } from '../../src/inference/graph.ts';
import { fixture, npy, relErr, tinyModelDir, tmpDir } from './helpers.ts';

let dir: string;
let rt: ModelRuntime;
const batches: number[] = [];
const N = 27 * 32; // tiny: n_latent 27, D 32
let A: Float32Array, Bl: Float32Array;

before(async () => {
  dir = await tinyModelDir();
  rt = await ModelRuntime.load(dir, { onBatch: (size) => batches.push(size), batchWindowMs: 20 });
  const lat = npy('latents.npy');
  A = lat.data.slice(0, N);
  Bl = lat.data.slice(N);
});
after(async () => {
  await rt.close();
});

function copyModel(): string {
  const d = tmpDir();
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(d, f));
  return d;
}

test('load refuses a missing dir, missing/corrupt manifest, sha mismatch, unknown layout', async () => {
  await assert.rejects(
    ModelRuntime.load(path.join(tmpDir(), 'nope')),
    (e: Error) => e instanceof ModelLoadError && /does not exist/.test(e.message),
  );
  const empty = tmpDir();
  await assert.rejects(
    ModelRuntime.load(empty),
    (e: Error) => e instanceof ModelLoadError && /no manifest\.json/.test(e.message),
  );
  const corrupt = copyModel();
  fs.writeFileSync(path.join(corrupt, 'manifest.json'), '{"format": "ssg-model/1", ');
  await assert.rejects(
    ModelRuntime.load(corrupt),
    (e: Error) => e instanceof ModelLoadError && /corrupt/.test(e.message),
  );
  const sha = copyModel();
  const g = fs.readFileSync(path.join(sha, 'generator.onnx'));
  g[g.length - 10] ^= 0xff;
  fs.writeFileSync(path.join(sha, 'generator.onnx'), g);
  await assert.rejects(
    ModelRuntime.load(sha),
    (e: Error) => e instanceof ModelLoadError && /sha256 mismatch for generator\.onnx/.test(e.message),
  );
  const lay = copyModel();
  const man = JSON.parse(fs.readFileSync(path.join(lay, 'manifest.json'), 'utf8'));
  man.layout.nLatent = 99;
  fs.writeFileSync(path.join(lay, 'manifest.json'), JSON.stringify(man));
  await assert.rejects(
    ModelRuntime.load(lay),
    (e: Error) => e instanceof ModelLoadError && /unknown latent layout/.test(e.message),
  );
  const missing = copyModel();
  fs.rmSync(path.join(missing, 'mapping.onnx'));
  await assert.rejects(
    ModelRuntime.load(missing),
    (e: Error) => e instanceof ModelLoadError && /mapping\.onnx missing/.test(e.message),
  );
});

test('unavailable execution provider falls back to cpu with a log line', async () => {
  const logs: string[] = [];
  const r = await ModelRuntime.load(dir, { executionProviders: ['cuda', 'cpu'], log: (m) => logs.push(m) });
  assert.equal(r.executionProvider, 'cpu');
  assert.ok(
    logs.some((l) => /cuda/.test(l)),
    logs.join('\n'),
  );
  await r.close();
});

test('NaN / wrong-length latents and bad masks are refused before running', async () => {
  const before = rt.stats.batches;
  const bad = A.slice();
  bad[17] = NaN;
  await assert.rejects(rt.render({ latent: bad }), LatentError);
  const inf = A.slice();
  inf[3] = Infinity;
  await assert.rejects(rt.renderRaw([inf]), LatentError);
  await assert.rejects(
    rt.render({ latent: A.slice(0, N - 1) }),
    (e: Error) => e instanceof LatentError && /expected 864/.test(e.message),
  );
  await assert.rejects(rt.render({ latent: A, compositionMask: [1, 1] }), LatentError);
  assert.equal(rt.stats.batches, before);
});

test('a batch of two equals two singles', async () => {
  const both = await rt.renderRaw([A, Bl]);
  const a = await rt.renderRaw([A]);
  const b = await rt.renderRaw([Bl]);
  const half = both.image.length / 2;
  assert.ok(relErr(both.image.subarray(0, half), a.image) < 1e-5);
  assert.ok(relErr(both.image.subarray(half), b.image) < 1e-5);
  const sh = both.segmentation.length / 2;
  assert.ok(relErr(both.segmentation.subarray(sh), b.segmentation) < 1e-5);
});

test('large renders split into runs of maxPixelsPerRun, without the cpu fusion too, give the same outputs', async () => {
  const lat = [A, Bl, A];
  const whole = await rt.renderRaw(lat);
  // 64 px model: at most one image per run, and the unfused standard graph
  const split = await ModelRuntime.load(dir, { maxPixelsPerRun: 64 * 64, cpuFusion: false });
  try {
    const calls: number[] = [];
    const orig = (split as unknown as { generator: ort.InferenceSession }).generator;
    const run = orig.run.bind(orig) as (feeds: Record<string, ort.Tensor>) => ReturnType<typeof orig.run>;
    (orig as unknown as { run: typeof run }).run = (feeds) => {
      calls.push(feeds.latent.dims[0]);
      return run(feeds);
    };
    const parts = await split.renderRaw(lat);
    assert.deepEqual(calls, [1, 1, 1]);
    assert.equal(split.stats.batches, 1);
    for (const k of ['image', 'segmentation', 'coarse', 'depth'] as const) {
      assert.equal(parts[k].length, whole[k].length, k);
      assert.ok(relErr(parts[k], whole[k]) < 1e-5, k);
    }
  } finally {
    await split.close();
  }
});

test('concurrent render() calls are coalesced into one batched run', async () => {
  batches.length = 0;
  const res = await Promise.all([
    rt.render({ latent: A }),
    rt.render({ latent: Bl }),
    rt.render({ latent: A, compositionMask: new Array(13).fill(1) }),
  ]);
  assert.deepEqual(batches, [3]);
  assert.ok(res[0].imagePng.equals(res[2].imagePng));
  assert.ok(!res[0].imagePng.equals(res[1].imagePng));
});

test('background-only composition mask: coarse mask is all background', async () => {
  const mask = new Array(13).fill(0);
  mask[0] = 1;
  const raw = await rt.renderRaw([Bl], [mask]);
  const S = raw.coarseSize,
    P = S * S;
  for (let p = 0; p < P; p++) {
    assert.ok(Math.abs(raw.coarse[p] - 1) < 1e-5, `m_0 at ${p} = ${(raw.coarse[p] + 1) / 2}`); // 2*1-1
    for (let k = 1; k < 13; k++) assert.ok(raw.coarse[k * P + p] < -1 + 1e-5);
  }
});

test('swapping all components and coarse codes from B onto A renders B exactly', async () => {
  const sw = swapComponents(rt.info.layout, A, Bl, { components: [...Array(13).keys()], coarse: true, part: 'BOTH' });
  const a = await rt.renderRaw([sw]);
  const b = await rt.renderRaw([Bl]);
  assert.deepEqual(a.image, b.image);
  assert.deepEqual(a.segmentation, b.segmentation);
  // and swapping only shape codes is not enough
  const shapeOnly = swapComponents(rt.info.layout, A, Bl, {
    components: [...Array(13).keys()],
    coarse: true,
    part: 'SHAPE',
  });
  const c = await rt.renderRaw([shapeOnly]);
  assert.ok(relErr(c.image, b.image) > 1e-3);
});

test('expanded codes [K*local_layers, D] render like the W+ they expand', async () => {
  const cfg = rt.info.config;
  const ex = expandLatent(cfg, Bl);
  assert.equal(ex.length, 13 * 4 * 32);
  const a = await rt.renderRaw([ex]);
  const b = await rt.renderRaw([Bl]);
  assert.ok(relErr(a.image, b.image) < 1e-6);
});

test("changing one texture code changes the fused feature only through that component's mask", async () => {
  const ck = readTorchCheckpoint(fixture('tiny.pt'));
  const cfg = configFromArgs(ck.get('args'));
  const g = buildGeneratorGraph(cfg, ck.stateDict('g_ema'), { debugOutputs: true });
  const s = await ort.InferenceSession.create(g.bytes);
  const k = 7; // hair
  const texRow = cfg.base_layers + 2 * k + 1;
  const A2 = A.slice();
  for (let d = 0; d < 32; d++) A2[texRow * 32 + d] = Bl[texRow * 32 + d];
  const run = async (l: Float32Array) =>
    s.run({
      latent: new ort.Tensor('float32', l, [1, 27, 32]),
      composition_mask: new ort.Tensor('float32', new Float32Array(13).fill(1), [1, 13]),
    });
  const o1 = await run(A),
    o2 = await run(A2);
  const S = 16,
    P = S * S,
    Cc = 16;
  const F1 = o1.fused.data as Float32Array,
    F2 = o2.fused.data as Float32Array;
  const W = o1.fusion_weights.data as Float32Array;
  const f1 = o1.local_feat.data as Float32Array,
    f2 = o2.local_feat.data as Float32Array;
  assert.deepEqual(o1.depth.data, o2.depth.data); // texture does not touch depth
  let maxRes = 0,
    maxDiff = 0;
  for (let c = 0; c < Cc; c++)
    for (let p = 0; p < P; p++) {
      const dF = F2[c * P + p] - F1[c * P + p];
      const pred = W[k * P + p] * (f2[(k * Cc + c) * P + p] - f1[(k * Cc + c) * P + p]);
      maxRes = Math.max(maxRes, Math.abs(dF - pred));
      maxDiff = Math.max(maxDiff, Math.abs(dF));
    }
  assert.ok(maxDiff > 1e-3, 'texture change must change F');
  assert.ok(maxRes < 1e-4 * Math.max(1, maxDiff), `F diff not explained by w_k * df_k: ${maxRes}`);
  // fused feature of the reference implementation (first fixture latent, mask all ones)
  const ref = npy('ref_fused.npy');
  assert.ok(relErr(F1, ref.data.subarray(0, Cc * P)) < 1e-3);
  await s.release();
});

test('render() returns valid PNGs of the right size, coloured with the class colours', async () => {
  const r = await rt.render({ latent: Bl });
  assert.equal(r.width, 64);
  assert.equal(r.height, 64);
  const img = PNG.sync.read(r.imagePng);
  assert.equal(img.width, 64);
  assert.equal(img.height, 64);
  const seg = PNG.sync.read(r.segmentationPng);
  assert.equal(seg.width, 64);
  const raw = await rt.renderRaw([Bl]);
  const colours = rt.info.components.map((c) => c.color);
  const P = 64 * 64;
  for (let p = 0; p < P; p += 37) {
    let best = 0;
    for (let k = 1; k < 13; k++) if (raw.segmentation[k * P + p] > raw.segmentation[best * P + p]) best = k;
    assert.deepEqual([seg.data[p * 4], seg.data[p * 4 + 1], seg.data[p * 4 + 2]], colours[best]);
    // image pixel = clamp(x)*127.5+127.5
    const v = Math.round(Math.min(1, Math.max(-1, raw.image[p])) * 127.5 + 127.5);
    assert.equal(img.data[p * 4], v);
  }
  assert.equal(r.coarseSize, 16);
  assert.equal(r.coarseMask.length, 13 * 16 * 16);
  assert.equal(r.depthPngs.length, 13);
  const d = PNG.sync.read(r.depthPngs[3]);
  assert.equal(d.width, 16);
});

test('sample(): seeded, all rows equal, truncation toward w_avg', async () => {
  const a = await rt.sample(42),
    b = await rt.sample(42),
    c = await rt.sample(43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.length, N);
  for (let r = 1; r < 27; r++) assert.deepEqual(a.subarray(r * 32, r * 32 + 32), a.subarray(0, 32));
  const t0 = await rt.sample(42, 0);
  for (let i = 0; i < N; i++) assert.ok(Math.abs(t0[i] - rt.wAvg[i % 32]) < 1e-6);
  const t5 = await rt.sample(42, 0.5);
  for (let i = 0; i < 32; i++) assert.ok(Math.abs(t5[i] - (rt.wAvg[i] + 0.5 * (a[i] - rt.wAvg[i]))) < 1e-5);
});
