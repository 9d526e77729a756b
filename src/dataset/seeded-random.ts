// facesjs draws with Math.random; a dataset must be reproducible from its seed, so each sample runs
// with Math.random swapped for a seeded generator (mulberry32, seeded per sample so that a sample
// does not depend on which worker made it or in what order).

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed of sample `index` of a dataset made with `datasetSeed` (a 32-bit mix of both). */
export function sampleSeed(datasetSeed: number, index: number): number {
  let h = Math.imul(datasetSeed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Runs `fn` with Math.random replaced by `random`; restores it even when `fn` throws. */
export function withRandom<T>(random: () => number, fn: () => T): T {
  const original = Math.random;
  Math.random = random;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
