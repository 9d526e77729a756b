// Attribute directions on the tiny fixture model (a real ONNX model): learning from the model's
// own renders, applying a direction to its part's rows only, the fits, the measures, .npy import.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type Direction,
  applyDirection,
  applyToAllRows,
  directionRows,
  vectorFromNpy,
} from '../../src/directions/direction.ts';
import { readDirections, writeDirections } from '../../src/directions/file.ts';
import { accuracy, linearSvm, r2, ridge } from '../../src/directions/fit.ts';
import { learnDirections, measureLatents } from '../../src/directions/learn.ts';
import { measureRender } from '../../src/directions/measures.ts';
import { writeNpy } from '../../src/inference/npy.ts';
import { Rng } from '../../src/inference/rng.ts';
import { ModelRuntime } from '../../src/inference/runtime.ts';
import { tinyModelDir, tmpDir } from '../inference/helpers.ts';

let rt: ModelRuntime;
let learned: Awaited<ReturnType<typeof learnDirections>>;

before(async () => {
  rt = await ModelRuntime.load(await tinyModelDir());
  // Keep every fit (thresholds off) so the test can pick the best-predicting area direction.
  learned = await learnDirections(rt, {
    samples: 300,
    seed: 3,
    minR2: -Infinity,
    minAccuracyGain: -Infinity,
    minLocalEffect: -Infinity,
  });
});
after(() => rt.close());

function bestArea(): Direction {
  const areas = learned.directions.filter((d) => d.name.endsWith('-area'));
  assert.ok(areas.length > 0, 'some area direction was fitted');
  return areas.reduce((a, b) => (b.accuracy! > a.accuracy! ? b : a));
}

test('a learned direction is a unit vector on its part rows with a held-out score and a spread', () => {
  assert.ok(learned.fits.length > 0);
  for (const d of learned.directions) {
    const rows = directionRows(rt.info, d);
    assert.equal(d.vector.length, rows.length * rt.info.layout.dim);
    const norm = Math.sqrt(d.vector.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `${d.name} has norm ${norm}`);
    assert.ok(d.spread > 0 && Number.isFinite(d.spread));
    assert.ok(d.accuracy !== null && Number.isFinite(d.accuracy));
    assert.equal(d.source, 'learned');
  }
});

test('moving along a learned area direction grows the area, and only its part rows change', async () => {
  const d = bestArea();
  const comp = rt.info.components.find((c) => c.name === d.component)!.index;
  assert.ok(d.accuracy! > 0.2, `${d.name} predicts its area on held-out samples (R^2 ${d.accuracy})`);
  const faces = await Promise.all([...Array(12).keys()].map((i) => rt.sample(500 + i, 0.7)));
  const a = 2 * d.spread;
  const plus = await measureLatents(
    rt,
    faces.map((f) => applyDirection(rt.info, f, d, a)),
  );
  const minus = await measureLatents(
    rt,
    faces.map((f) => applyDirection(rt.info, f, d, -a)),
  );
  const change = plus.reduce((s, p, i) => s + p[comp].area - minus[i][comp].area, 0) / faces.length;
  assert.ok(change > 0, `${d.name}: mean area change ${change} for +-${a.toFixed(3)} is positive`);

  const D = rt.info.layout.dim;
  const rows = new Set(directionRows(rt.info, d));
  const moved = applyDirection(rt.info, faces[0], d, a);
  for (let r = 0; r < rt.info.layout.nLatent; r++) {
    let diff = 0;
    for (let i = 0; i < D; i++) diff = Math.max(diff, Math.abs(moved[r * D + i] - faces[0][r * D + i]));
    if (rows.has(r)) assert.ok(diff > 0, `row ${r} (the part's) moves`);
    else assert.equal(diff, 0, `row ${r} is exactly unchanged`);
  }
  const everywhere = applyToAllRows(rt.info, faces[0], d, a);
  assert.ok(
    everywhere.some((v, i) => i < D && v !== faces[0][i]),
    'the all-rows comparison moves the coarse rows',
  );
});

test('directions.json round-trips and refuses another model', () => {
  const dir = tmpDir('ssg-dirs-');
  const d = bestArea();
  writeDirections(dir, rt.info, [d]);
  const [back] = readDirections(dir, rt.info);
  assert.deepEqual([...back.vector], [...d.vector]);
  assert.equal(back.name, d.name);
  assert.throws(() => readDirections(dir, { ...rt.info, id: 'other' }), /made for model/);
  // A new learn-directions run for a re-exported model replaces the stale file; a hand import does not.
  const other = { ...rt.info, id: 'other' };
  assert.throws(() => writeDirections(dir, other, [d]), /made for model/);
  writeDirections(dir, other, [d], { samples: 1, seed: 1, truncation: 0.7 });
  assert.equal(readDirections(dir, other).length, 1);
});

test('measures of a hand-made render: area, centre, width, brightness', () => {
  const H = 8,
    K = 2,
    P = H * H;
  const seg = new Float32Array(K * P),
    image = new Float32Array(3 * P).fill(-1);
  // Component 1 covers columns 2..5 of rows 0..3 (a 4 x 4 box), white; the rest is component 0.
  for (let p = 0; p < P; p++) {
    const x = p % H,
      y = Math.floor(p / H);
    const inBox = x >= 2 && x < 6 && y < 4;
    seg[(inBox ? 1 : 0) * P + p] = 1;
    if (inBox) for (let c = 0; c < 3; c++) image[c * P + p] = 1;
  }
  const m = measureRender(
    {
      batch: 1,
      size: H,
      numComponents: K,
      coarseSize: 4,
      image,
      segmentation: seg,
      coarse: new Float32Array(),
      depth: new Float32Array(),
    },
    0,
  );
  assert.equal(m[1].area, 16 / 64);
  assert.equal(m[1].x, 0.5);
  assert.equal(m[1].y, 0.25);
  assert.ok(Math.abs(m[1].width - Math.sqrt((12 * ((16 - 1) / 12)) / 64)) < 1e-9); // 4 px box: sqrt(12 var) = sqrt(15)/8
  assert.ok(Math.abs(m[1].brightness - 1) < 1e-9);
  assert.equal(m[0].brightness, 0);
  assert.equal(m[1].presence, 1);
});

test('ridge recovers a linear rule; the SVM separates a linear boundary', () => {
  const rng = new Rng(9);
  const n = 400,
    p = 6;
  const x = Float64Array.from(rng.normals(n * p));
  const w = [1, -2, 0.5, 0, 0, 3];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = w.reduce((s, wj, j) => s + wj * x[i * p + j], 0.2) + 0.01 * rng.normal();
  const d = { x, y, n, p };
  const m = ridge(d, 1e-3);
  w.forEach((wj, j) => assert.ok(Math.abs(m.w[j] - wj) < 0.01, `w${j} ${m.w[j]} vs ${wj}`));
  assert.ok(r2(m, d) > 0.999);
  const labels = { ...d, y: Float64Array.from(y, (v) => (v > 0.2 ? 1 : 0)) };
  assert.ok(accuracy(linearSvm(labels, 1), labels) > 0.97);
});

test('an .npy direction imports as [D] or as a W+ that moves only its part', () => {
  const { nLatent: N, dim: D, baseLayers } = rt.info.layout;
  const comp = rt.info.components[2];
  const one = new Float32Array(D).fill(0.5);
  const a = vectorFromNpy(rt.info, writeNpy(one, [D]), comp.name, 'BOTH');
  assert.equal(a.vector.length, 2 * D);
  assert.ok(Math.abs(a.vector.reduce((s, v) => s + v * v, 0) - 1) < 1e-5);
  const full = new Float32Array(N * D);
  full.set(one, (baseLayers + 2 * comp.index) * D);
  const b = vectorFromNpy(rt.info, writeNpy(full, [1, N, D]), comp.name, 'SHAPE');
  assert.equal(b.vector.length, D);
  full[0] = 1; // a coarse row: not local
  assert.throws(() => vectorFromNpy(rt.info, writeNpy(full, [N, D]), comp.name, 'SHAPE'), /not a shape row/);
  assert.throws(
    () => vectorFromNpy(rt.info, writeNpy(new Float32Array(D + 1).fill(1), [D + 1]), comp.name, 'SHAPE'),
    /expected/,
  );
  assert.throws(() => vectorFromNpy(rt.info, writeNpy(new Float32Array(D), [D]), comp.name, 'SHAPE'), /zero/);
});
