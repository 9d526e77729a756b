// The exact swap ground truth: "A with B's part" drawn by facesjs from parameters, and the
// composites make-composites writes for training.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CARTOON_CLASSES } from '../../src/dataset/classes.ts';
import { sampleFace, type FaceParams } from '../../src/dataset/face-svg.ts';
import { readPng } from '../../src/dataset/files.ts';
import { makeComposites } from '../../src/dataset/make-composites.ts';
import { makeDataset } from '../../src/dataset/make-dataset.ts';
import { renderComposite, renderParams, renderSample, type RenderedSample } from '../../src/dataset/render-sample.ts';
import { sampleSeed } from '../../src/dataset/seeded-random.ts';
import { SWAP_TRUTH, partsOf } from '../../src/dataset/swap-truth.ts';
import { ssg } from '../helpers/ssg.ts';

const S = 64;
const cls = (name: string) => CARTOON_CLASSES.find((c) => c.name === name)!.index;
const face = (i: number) => sampleFace(sampleSeed(11, i));
/** Two faces whose `feature` differs (ids), so that swapping it changes something. */
function pairDiffering(feature: keyof FaceParams['face']): [FaceParams, FaceParams] {
  // A without glasses: glasses are drawn over the eyes and labelled as glasses there.
  let first = 0;
  while (face(first).face.glasses.id !== 'none') first++;
  const a = face(first);
  for (let i = 1; i < 200; i++) {
    const b = face(i);
    if (JSON.stringify(a.face[feature]) !== JSON.stringify(b.face[feature])) return [a, b];
  }
  throw new Error(`no pair differs in ${String(feature)}`);
}
/** Pixels of class k, grown by one pixel (anti-aliased edges blend a part into its neighbours). */
function near(labels: Uint8Array, k: number): Set<number> {
  const out = new Set<number>();
  for (let p = 0; p < S * S; p++) {
    if (labels[p] !== k) continue;
    const x = p % S,
      y = Math.floor(p / S);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++)
        if (x + dx >= 0 && x + dx < S && y + dy >= 0 && y + dy < S) out.add((y + dy) * S + x + dx);
  }
  return out;
}
function changedPixels(x: RenderedSample, y: RenderedSample): number[] {
  const out: number[] = [];
  for (let p = 0; p < S * S; p++) {
    const d = Math.max(...[0, 1, 2].map((c) => Math.abs(x.rgb[p * 3 + c]! - y.rgb[p * 3 + c]!)));
    if (d > 25) out.push(p);
  }
  return out;
}

test('a face drawn from its stored parameters is the dataset sample itself', () => {
  const seed = sampleSeed(11, 3);
  assert.deepEqual(renderParams(sampleFace(seed), S).rgb, renderSample(seed, S).rgb);
});

test('swapping any part of a face with itself changes no pixel', () => {
  const a = face(5);
  const base = renderParams(a, S);
  for (const t of SWAP_TRUTH)
    for (const part of partsOf(t)) {
      const c = renderComposite(a, a, t.component, part, S);
      assert.deepEqual(c.rgb, base.rgb, `${t.component} ${part}`);
      assert.deepEqual(c.labels, base.labels, `${t.component} ${part}`);
    }
});

test("A with B's eyes changes the eyes and nothing else", () => {
  const [a, b] = pairDiffering('eye');
  const A = renderParams(a, S);
  const C = renderComposite(a, b, 'eyes', 'both', S);
  const changed = changedPixels(A, C);
  assert.ok(changed.length > 5, `only ${changed.length} pixels changed`);
  const eyes = cls('eyes');
  const nearEyes = new Set([...near(A.labels, eyes), ...near(C.labels, eyes)]);
  const inside = changed.filter((p) => nearEyes.has(p)).length;
  assert.ok(inside / changed.length > 0.9, `${inside} of ${changed.length} changed pixels are eyes`);
  for (let p = 0; p < S * S; p++)
    if (A.labels[p] !== eyes && C.labels[p] !== eyes) assert.equal(C.labels[p], A.labels[p]);
});

test("a hair texture swap recolours the hair only: same label map, A's eyebrows kept", () => {
  const [a, b] = pairDiffering('hair');
  b.face.hair.color = '#d03020'; // unmistakably not A's
  const A = renderParams(a, S);
  const C = renderComposite(a, b, 'hair', 'texture', S);
  assert.deepEqual(C.labels, A.labels);
  const hair = cls('hair');
  const brows = cls('eyebrows');
  const changed = changedPixels(A, C);
  assert.ok(changed.length > 20);
  const nearHair = near(A.labels, hair);
  assert.ok(
    changed.every((p) => nearHair.has(p)),
    'a pixel away from the hair changed',
  );
  for (let p = 0; p < S * S; p++)
    if (A.labels[p] === brows && !nearHair.has(p))
      for (let c = 0; c < 3; c++) assert.equal(C.rgb[p * 3 + c], A.rgb[p * 3 + c]);
});

test("a hair shape swap changes the hair mask and keeps A's hair colour", () => {
  const a = face(0);
  let b = face(1);
  for (let i = 1; b.face.hair.id === a.face.hair.id; i++) b = face(i);
  const A = renderParams(a, S);
  const C = renderComposite(a, b, 'hair', 'shape', S);
  const hair = cls('hair');
  const diff = A.labels.filter((l, p) => (l === hair) !== (C.labels[p] === hair)).length;
  assert.ok(diff > 10, `hair masks differ in ${diff} pixels`);
  const colourOf = (s: RenderedSample) => {
    const counts = new Map<string, number>();
    s.labels.forEach((l, p) => {
      if (l !== hair) return;
      const k = [...s.rgb.subarray(p * 3, p * 3 + 3)].join(',');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    });
    return [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
  };
  if (C.labels.some((l) => l === hair)) assert.equal(colourOf(C), colourOf(A));
});

test("make-dataset stores each face's parameters; make-composites writes exact swaps with their labels", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-composites-'));
  try {
    await makeDataset({ outDir: dir, count: 12, size: 32, seed: 4, threads: 1 });
    const params = JSON.parse(fs.readFileSync(path.join(dir, 'params', '000003.json'), 'utf8')) as FaceParams;
    assert.deepEqual(renderParams(params, 32).rgb, renderSample(sampleSeed(4, 3), 32).rgb);
    const r = await makeComposites({ dataDir: dir, count: 10, seed: 5, threads: 1 });
    assert.equal(r.count, 10);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'composites.json'), 'utf8')) as {
      entries: Array<{ index: number; a: number; b: number; component: string; part: 'shape' | 'texture' | 'both' }>;
    };
    assert.equal(doc.entries.length, 10);
    for (const e of doc.entries.slice(0, 4)) {
      const read = (i: number) =>
        JSON.parse(
          fs.readFileSync(path.join(dir, 'params', `${String(i).padStart(6, '0')}.json`), 'utf8'),
        ) as FaceParams;
      const want = renderComposite(read(e.a), read(e.b), e.component, e.part, 32);
      const name = `${String(e.index).padStart(6, '0')}.png`;
      const img = readPng(path.join(dir, 'composites', 'images', name));
      const lab = readPng(path.join(dir, 'composites', 'labels', name));
      for (let p = 0; p < 32 * 32; p++) {
        assert.equal(img.rgba[p * 4], want.rgb[p * 3]);
        assert.equal(lab.rgba[p * 4], want.labels[p]);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('`ssg make-composites` from a relative path, as the README runs it; a dataset without params/ is refused', async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ssg-composites-cli-'));
  try {
    const made = await ssg(['make-dataset', '--out', 'data/c', '--count', '8', '--size', '32', '--threads', '1'], {
      cwd,
    });
    assert.equal(made.code, 0, made.stderr);
    const r = await ssg(['make-composites', '--data', 'data/c', '--count', '6', '--threads', '1'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote 6 composites/);
    assert.equal(fs.readdirSync(path.join(cwd, 'data/c/composites/images')).length, 6);
    fs.rmSync(path.join(cwd, 'data/c/params'), { recursive: true });
    const bad = await ssg(['make-composites', '--data', 'data/c', '--count', '6'], { cwd });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /has no params\//);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
