import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  swapComponents,
  interpolateComponents,
  truncate,
  resampleComponents,
  selectedRows,
  expandLatent,
  LatentError,
} from '../../src/inference/latent.ts';

const layout = { nLatent: 2 + 2 * 3, dim: 4, baseLayers: 2, numComponents: 3 };
const n = layout.nLatent * layout.dim;
const A = Float32Array.from({ length: n }, (_, i) => i);
const B = Float32Array.from({ length: n }, (_, i) => 1000 + i);
const row = (l: Float32Array, r: number) => Array.from(l.subarray(r * 4, r * 4 + 4));

test('selected rows follow the W+ layout', () => {
  assert.deepEqual(selectedRows(layout, { components: [1], coarse: false, part: 'SHAPE' }), [4]);
  assert.deepEqual(selectedRows(layout, { components: [1], coarse: false, part: 'TEXTURE' }), [5]);
  assert.deepEqual(selectedRows(layout, { components: [0, 2], coarse: true, part: 'BOTH' }), [0, 1, 2, 3, 6, 7]);
  assert.throws(() => selectedRows(layout, { components: [3], coarse: false, part: 'BOTH' }), LatentError);
});

test('swap copies exactly the selected rows and leaves inputs untouched', () => {
  const s = swapComponents(layout, A, B, { components: [1], coarse: false, part: 'TEXTURE' });
  for (let r = 0; r < layout.nLatent; r++) assert.deepEqual(row(s, r), r === 5 ? row(B, r) : row(A, r));
  assert.equal(A[20], 20);
  const r2 = resampleComponents(layout, A, B, { components: [], coarse: true, part: 'BOTH' });
  assert.deepEqual(row(r2, 0), row(B, 0));
  assert.deepEqual(row(r2, 2), row(A, 2));
  assert.throws(
    () => swapComponents(layout, A, B.slice(1), { components: [0], coarse: false, part: 'BOTH' }),
    LatentError,
  );
  const bad = A.slice();
  bad[0] = NaN;
  assert.throws(() => swapComponents(layout, bad, B, { components: [0], coarse: false, part: 'BOTH' }), LatentError);
});

test('interpolate blends only the selected rows', () => {
  const m = interpolateComponents(layout, A, B, { components: [2], coarse: false, part: 'BOTH' }, 0.25);
  assert.deepEqual(
    row(m, 6),
    row(A, 6).map((v, i) => 0.75 * v + 0.25 * row(B, 6)[i]),
  );
  assert.deepEqual(row(m, 3), row(A, 3));
  const full = interpolateComponents(layout, A, B, { components: [0, 1, 2], coarse: true, part: 'BOTH' }, 1);
  assert.deepEqual(full, B);
});

test('truncate pulls every row toward w_avg', () => {
  const wAvg = Float32Array.from([1, 2, 3, 4]);
  const t = truncate(A, wAvg, 0.5);
  for (let i = 0; i < n; i++) assert.equal(t[i], wAvg[i % 4] + 0.5 * (A[i] - wAvg[i % 4]));
  assert.deepEqual(truncate(A, wAvg, 1), A);
  assert.throws(() => truncate(A.slice(1), wAvg, 0.5), LatentError);
  assert.throws(() => truncate(A, wAvg, NaN), LatentError);
});

test('expansion to K*local_layers rows per spec §2', () => {
  const cfg = { seg_dim: 3, local_layers: 5, base_layers: 2, depth_layers: 3, latent: 4 };
  const e = expandLatent(cfg, A);
  const r = (k: number, j: number) => Array.from(e.subarray((k * 5 + j) * 4, (k * 5 + j) * 4 + 4));
  // background: shape (row 2) for j<3, texture (row 3) after
  assert.deepEqual([r(0, 0), r(0, 2), r(0, 3)], [row(A, 2), row(A, 2), row(A, 3)]);
  // k=2: coarse rows 0,1, then shape row 6, then texture row 7
  assert.deepEqual(
    [r(2, 0), r(2, 1), r(2, 2), r(2, 3), r(2, 4)],
    [row(A, 0), row(A, 1), row(A, 6), row(A, 7), row(A, 7)],
  );
  assert.equal(expandLatent(cfg, e), e);
});
