// PREVIEW quality: the render net cut at a lower level (src/inference/preview-graph.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { renderLevels } from '../../src/inference/config.ts';
import { previewGraph, previewLevel } from '../../src/inference/preview-graph.ts';
import { readManifest } from '../../src/inference/manifest.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { tinyModelDir } from './helpers.ts';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
const TRAINED = path.join(PROJECT_ROOT, 'models', 'cartoon64');
const runtimes: ModelRuntime[] = [];
after(async () => {
  for (const rt of runtimes) await rt.close();
});

async function load(dir: string) {
  const rt = await ModelRuntime.load(dir, { batchWindowMs: 0 });
  runtimes.push(rt);
  return rt;
}

/** Box-average of image [3, H, H] (values clamped to [-1, 1] as displayed) down to side s. */
function downsample(img: Float32Array, H: number, s: number): Float32Array {
  const f = H / s,
    out = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < H; x++) {
        const v = Math.max(-1, Math.min(1, img[(c * H + y) * H + x]!));
        out[(c * s + Math.floor(y / f)) * s + Math.floor(x / f)]! += v / (f * f);
      }
  return out;
}

const clampAll = (a: Float32Array) => a.map((v) => Math.max(-1, Math.min(1, v)));
const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

test('cut at the last level, the preview graph is the full generator (same outputs)', async () => {
  const dir = await tinyModelDir();
  const man = readManifest(dir);
  const bytes = fs.readFileSync(path.join(dir, 'generator.onnx'));
  const last = previewGraph(bytes, man.config, renderLevels(man.config) - 1);
  assert.equal(last.side, man.config.size);
  const rt = await load(dir);
  const lat = await rt.sample(3, 0.7);
  const full = await rt.renderRaw([lat]);
  const ort = await import('onnxruntime-node');
  const s = await ort.InferenceSession.create(last.bytes);
  const { nLatent, dim, numComponents: K } = rt.info.layout;
  const out = await s.run({
    latent: new ort.Tensor('float32', lat, [1, nLatent, dim]),
    composition_mask: new ort.Tensor('float32', new Float32Array(K).fill(1), [1, K]),
  });
  await s.release();
  for (const k of ['image', 'segmentation', 'coarse', 'depth'] as const) {
    const a = out[k]!.data as Float32Array;
    assert.equal(a.length, full[k].length, k);
    assert.ok(meanAbs(a, full[k]) < 1e-5, `${k} differs`);
  }
});

test('the preview of the trained model is smaller, a smaller graph, and resembles the full render downsized', async (t) => {
  if (!fs.existsSync(path.join(TRAINED, 'manifest.json'))) return t.skip('models/cartoon64 is not in this checkout');
  const rt = await load(TRAINED);
  const cfg = rt.info.config;
  const level = previewLevel(cfg);
  const bytes = fs.readFileSync(path.join(TRAINED, 'generator.onnx'));
  const cut = previewGraph(bytes, cfg);
  assert.ok(level < renderLevels(cfg) - 1, 'the preview stops below the last level');
  const nodes = (b: Uint8Array) => onnx.ModelProto.decode(b).graph!.node!.length;
  assert.ok(nodes(cut.bytes) < nodes(bytes), 'the higher levels are gone from the graph');

  const seeds = [11, 12, 13, 14];
  const latents = await Promise.all(seeds.map((s) => rt.sample(s, 0.7)));
  const full = await rt.renderRaw(latents);
  const preview = await rt.renderRaw(latents, undefined, 'PREVIEW');
  const H = cfg.size,
    s = preview.size;
  assert.equal(s, cut.side);
  assert.ok(s < H);
  assert.equal(preview.image.length, seeds.length * 3 * s * s);
  const own: number[] = [],
    others: number[] = [];
  const down = seeds.map((_, i) => downsample(full.image.subarray(i * 3 * H * H, (i + 1) * 3 * H * H), H, s));
  const prev = seeds.map((_, i) => clampAll(preview.image.subarray(i * 3 * s * s, (i + 1) * 3 * s * s)));
  for (let i = 0; i < seeds.length; i++)
    for (let j = 0; j < seeds.length; j++) (i === j ? own : others).push(meanAbs(prev[i]!, down[j]!));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  t.diagnostic(
    `mean |preview - full downsized|: own face ${mean(own).toFixed(3)}, other faces ${mean(others).toFixed(3)} (range [-1, 1])`,
  );
  // Measured 0.35 (0.37 against other faces): the image is NOT a faithful downsized render (the
  // docs say so); it stays bounded and no farther from its own face than from the others.
  assert.ok(mean(own) < 0.45, `preview differs from the full render downsized by ${mean(own)}`);
  assert.ok(mean(own) <= mean(others), 'a preview is no farther from its own full render than from other faces');
  // The layout is close: the preview's segmentation against the full one (pixel centres), measured
  // 75% on the part-coded cartoon64 at 191 kimg (82% at 99 kimg, 93% on the reconstruction-trained
  // one before it): training puts more of the parts' outlines in the levels the preview cuts off.
  const K = rt.info.layout.numComponents,
    f = H / s;
  let agree = 0;
  for (let i = 0; i < seeds.length; i++)
    for (let y = 0; y < s; y++)
      for (let x = 0; x < s; x++) {
        let bp = 0,
          bf = 0;
        const fy = y * f + (f >> 1),
          fx = x * f + (f >> 1);
        for (let k = 1; k < K; k++) {
          if (
            preview.segmentation[((i * K + k) * s + y) * s + x]! > preview.segmentation[((i * K + bp) * s + y) * s + x]!
          )
            bp = k;
          if (
            full.segmentation[((i * K + k) * H + fy) * H + fx]! > full.segmentation[((i * K + bf) * H + fy) * H + fx]!
          )
            bf = k;
        }
        if (bp === bf) agree++;
      }
  const agreement = agree / (seeds.length * s * s);
  t.diagnostic(`segmentation agreement with the full render: ${(100 * agreement).toFixed(1)}%`);
  assert.ok(agreement > 0.72, `segmentation agrees on ${agreement}`);

  // The one-image path (render) gives the PREVIEW side and PNGs, like a FULL render.
  const r = await rt.render({ latent: latents[0]!, quality: 'PREVIEW' });
  assert.equal(r.width, s);
  assert.equal(r.imagePng.readUInt32BE(16), s, 'PNG width');
});
