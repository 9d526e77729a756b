import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readNpy, writeNpy, latentFromNpy, latentsFromNpy, NpyError } from '../../src/inference/npy.ts';
import { LatentError } from '../../src/inference/latent.ts';
import { fixture, npy } from './helpers.ts';

const layout = { nLatent: 27, dim: 32, baseLayers: 1, numComponents: 13 };

test('reads numpy-written files of every accepted shape', () => {
  const lat = npy('latents.npy');
  assert.deepEqual(lat.shape, [2, 27, 32]);
  const w = npy('w_1xD.npy');
  assert.deepEqual(w.shape, [1, 32]);
  assert.deepEqual(w.data, lat.data.slice(0, 32));
  const wp = npy('wplus_1xNxD.npy');
  assert.deepEqual(wp.shape, [1, 27, 32]);
  assert.deepEqual(wp.data, lat.data.slice(0, 27 * 32));
  const nd = npy('wplus_NxD.npy');
  assert.deepEqual(nd.shape, [27, 32]);
  assert.deepEqual(nd.data, lat.data.slice(27 * 32));
  const v2 = npy('v2_header.npy');
  assert.deepEqual(v2.shape, [27, 32]);
  assert.deepEqual(v2.data, lat.data.slice(0, 27 * 32));
});

test('writeNpy is byte-identical to numpy for the same array', () => {
  const lat = npy('latents.npy');
  const ours = writeNpy(lat.data.slice(0, 27 * 32), [1, 27, 32]);
  assert.ok(ours.equals(fs.readFileSync(fixture('wplus_1xNxD.npy'))));
  assert.ok(writeNpy(lat.data.slice(0, 32), [1, 32]).equals(fs.readFileSync(fixture('w_1xD.npy'))));
  const rt = readNpy(writeNpy(lat.data, lat.shape));
  assert.deepEqual(rt.shape, lat.shape);
  assert.deepEqual(rt.data, lat.data);
  assert.deepEqual(readNpy(writeNpy(new Float32Array([1, 2, 3]), [3])).shape, [3]);
});

test('refuses other dtypes, fortran order, bad magic, truncation', () => {
  assert.throws(
    () => readNpy(fs.readFileSync(fixture('float64.npy'))),
    (e: Error) => e instanceof NpyError && /'<f8'/.test(e.message) && /float32/.test(e.message),
  );
  assert.throws(
    () => readNpy(fs.readFileSync(fixture('fortran.npy'))),
    (e: Error) => e instanceof NpyError && /fortran_order/.test(e.message),
  );
  assert.throws(() => readNpy(Buffer.from('hello world, not npy')), /magic/);
  const b = fs.readFileSync(fixture('w_1xD.npy'));
  assert.throws(() => readNpy(b.subarray(0, b.length - 4)), /truncated/);
});

test('latentFromNpy: w [1,D] becomes W+ with all rows equal; shapes and finiteness validated', () => {
  const w = npy('w_1xD.npy');
  const l = latentFromNpy(fs.readFileSync(fixture('w_1xD.npy')), layout);
  assert.equal(l.length, 27 * 32);
  for (let r = 0; r < 27; r++) assert.deepEqual(l.subarray(r * 32, r * 32 + 32), w.data);
  assert.equal(latentFromNpy(fs.readFileSync(fixture('wplus_1xNxD.npy')), layout).length, 27 * 32);
  assert.equal(latentFromNpy(fs.readFileSync(fixture('wplus_NxD.npy')), layout).length, 27 * 32);
  assert.throws(() => latentFromNpy(fs.readFileSync(fixture('latents.npy')), layout), /holds 2 latents/);
  assert.throws(
    () => latentFromNpy(fs.readFileSync(fixture('nan.npy')), layout),
    (e: Error) => e instanceof LatentError && /non-finite/.test(e.message),
  );
  assert.throws(
    () => latentFromNpy(writeNpy(new Float32Array(26 * 32), [26, 32]), layout),
    (e: Error) => e instanceof LatentError && /\[26, 32\]/.test(e.message),
  );
  assert.throws(() => latentFromNpy(fs.readFileSync(fixture('float64.npy')), layout), LatentError);
  const ex = latentsFromNpy(writeNpy(new Float32Array(2 * 52 * 32), [2, 52, 32]), layout, 52);
  assert.equal(ex.batch, 2);
  assert.equal(ex.rows, 52);
  assert.throws(() => latentsFromNpy(writeNpy(new Float32Array(52 * 32), [52, 32]), layout), LatentError);
});
