import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frechetDistance, symmetricEigen } from '../../bench/frechet.ts';

/** Seeded standard normals (Box-Muller on a small LCG): the test is the same on every run. */
function normals(seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

test('eigenvalues of a symmetric matrix, and A v = lambda v', () => {
  const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
  const { values, vectors } = symmetricEigen(a, 3);
  assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - 12) < 1e-9, 'the trace is kept');
  for (let k = 0; k < 3; k++)
    for (let i = 0; i < 3; i++) {
      let av = 0;
      for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
      assert.ok(Math.abs(av - values[k]! * vectors[i * 3 + k]!) < 1e-9);
    }
});

test('the Frechet distance: 0 for one set, |shift|^2 for a shifted one, (s1 - s2)^2 per dimension for scaled ones', () => {
  const r = normals(7);
  const x = Array.from({ length: 4000 }, () => Float64Array.from({ length: 4 }, r));
  assert.ok(Math.abs(frechetDistance(x, x)) < 1e-6);
  const shifted = x.map((v) => v.map((e, i) => e + (i === 0 ? 3 : 0)));
  assert.ok(Math.abs(frechetDistance(x, shifted) - 9) < 1e-6, 'a shift of 3 in one dimension');
  const scaled = x.map((v) => v.map((e) => e * 2));
  // Both covariances are the same matrix up to a factor 4: the distance is (1 - 2)^2 per dimension
  // times the sample variance (about 1), so about 4.
  const d = frechetDistance(x, scaled);
  assert.ok(d > 3.6 && d < 4.4, `got ${d}`);
  const other = Array.from({ length: 4000 }, () => Float64Array.from({ length: 4 }, r));
  assert.ok(frechetDistance(x, other) < 0.05, 'two samples of one Gaussian are close');
});
