// The machine's fp32 limit as onnxruntime reaches it: the best rate of a large matrix product
// (sgemm, 1024 x 1024, four in a row) on the threads the renders use. A share of this is a share of
// what the runtime can do on this CPU, whatever its vector width (AVX2, AVX-512, ...), where a
// peak computed from an assumed clock and FLOP/cycle was wrong on half the machines seen.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './onnx-builder.ts';
import { Rng } from './rng.ts';

const SIDE = 1024;
const PRODUCTS = 4;

export interface MeasuredPeak {
  gflops: number;
  threads: number;
  what: string;
}

export async function measurePeakGflops(threads: number, runs = 6): Promise<MeasuredPeak> {
  const g = new GraphBuilder('sgemm-peak');
  const rng = new Rng(7);
  // Entries of about 1/sqrt(SIDE) keep every product's values near 1 (no overflow, no denormals).
  const w = Float32Array.from({ length: SIDE * SIDE }, () => (rng.nextU32() / 2 ** 32 - 0.5) * (3.4 / Math.sqrt(SIDE)));
  const weight = g.constF('w', w, [SIDE, SIDE]);
  let x = 'x';
  for (let i = 0; i < PRODUCTS; i++) x = g.op1('MatMul', [x, weight]);
  g.output(x, 'y');
  const bytes = g.encode([{ name: 'x', dims: [SIDE, SIDE] }], [{ name: 'y', dims: [SIDE, SIDE] }]);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const input = new ort.Tensor('float32', w.slice(), [SIDE, SIDE]);
    await session.run({ x: input }); // warm-up
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await session.run({ x: input });
      best = Math.min(best, performance.now() - t0);
    }
    const gflop = (2 * SIDE ** 3 * PRODUCTS) / 1e9;
    return {
      gflops: gflop / (best / 1000),
      threads,
      what: `best of ${runs} runs of ${PRODUCTS} fp32 ${SIDE}x${SIDE} MatMuls`,
    };
  } finally {
    await session.release();
  }
}
