// The machine's fp32 limit as onnxruntime reaches it, on the threads the renders use: the best
// rate of a large matrix product (sgemm, 1024 x 1024, four in a row) and of a large convolution
// (3x3, 256 -> 256 channels, 32 x 32, four in a row), reported both, the higher taken as the peak.
// A share of it is a share of what the runtime can do on this CPU, whatever its vector width
// (AVX2, AVX-512, ...): a peak computed from an assumed clock and FLOP/cycle was wrong on half the
// machines seen, and on AVX-512 ORT's blocked convolution kernels outrun its own sgemm.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from './onnx-builder.ts';
import { Rng } from './rng.ts';

const SIDE = 1024;
const PRODUCTS = 4;
const CONV = { channels: 256, side: 32, kernel: 3, layers: 4 };

export interface MeasuredPeak {
  /** The higher of the two rates. */
  gflops: number;
  sgemmGflops: number;
  convGflops: number;
  threads: number;
  what: string;
}

/** Uniform values of about `scale` (keeps every product's values near 1: no overflow, no denormals). */
function weights(n: number, scale: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.nextU32() / 2 ** 32 - 0.5) * scale);
}

/** Best of `runs` timed runs of a one-input graph, in GFLOP/s. */
async function bestRate(
  bytes: Uint8Array,
  input: ort.Tensor,
  gflop: number,
  threads: number,
  runs: number,
): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    await session.run({ x: input }); // warm-up
    let best = Infinity;
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await session.run({ x: input });
      best = Math.min(best, performance.now() - t0);
    }
    return gflop / (best / 1000);
  } finally {
    await session.release();
  }
}

async function sgemmRate(threads: number, runs: number): Promise<number> {
  const g = new GraphBuilder('sgemm-peak');
  const w = weights(SIDE * SIDE, 3.4 / Math.sqrt(SIDE), 7);
  const weight = g.constF('w', w, [SIDE, SIDE]);
  let x = 'x';
  for (let i = 0; i < PRODUCTS; i++) x = g.op1('MatMul', [x, weight]);
  g.output(x, 'y');
  const bytes = g.encode([{ name: 'x', dims: [SIDE, SIDE] }], [{ name: 'y', dims: [SIDE, SIDE] }]);
  const input = new ort.Tensor('float32', w.slice(), [SIDE, SIDE]);
  return bestRate(bytes, input, (2 * SIDE ** 3 * PRODUCTS) / 1e9, threads, runs);
}

async function convRate(threads: number, runs: number): Promise<number> {
  const { channels: C, side: S, kernel: k, layers } = CONV;
  const g = new GraphBuilder('conv-peak');
  const fanIn = C * k * k;
  const weight = g.constF('w', weights(C * fanIn, 3.4 / Math.sqrt(fanIn), 11), [C, C, k, k]);
  let x = 'x';
  const pad = (k - 1) / 2;
  for (let i = 0; i < layers; i++) x = g.op1('Conv', [x, weight], { kernel_shape: [k, k], pads: [pad, pad, pad, pad] });
  g.output(x, 'y');
  const dims = [1, C, S, S];
  const bytes = g.encode([{ name: 'x', dims }], [{ name: 'y', dims }]);
  const input = new ort.Tensor('float32', weights(C * S * S, 2, 13), dims);
  return bestRate(bytes, input, (2 * C * S * S * fanIn * layers) / 1e9, threads, runs);
}

export async function measurePeakGflops(threads: number, runs = 6): Promise<MeasuredPeak> {
  const sgemmGflops = await sgemmRate(threads, runs);
  const convGflops = await convRate(threads, runs);
  const { channels: C, side: S, kernel: k } = CONV;
  return {
    gflops: Math.max(sgemmGflops, convGflops),
    sgemmGflops,
    convGflops,
    threads,
    what:
      `best of ${runs} runs: fp32 sgemm ${SIDE}x${SIDE} ${sgemmGflops.toFixed(1)} GFLOP/s, ` +
      `conv ${k}x${k} ${C}->${C} at ${S}x${S} ${convGflops.toFixed(1)} GFLOP/s`,
  };
}
