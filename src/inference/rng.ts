// Seeded PRNG used for z sampling, w_avg estimation and demo weights.
//
// Uniforms: xoshiro128** (Blackman & Vigna) seeded by expanding the seed with splitmix32.
// The seed may be any finite number; it is reduced to two 32-bit words: lo = seed mod 2^32,
// hi = floor(seed / 2^32) mod 2^32 (negative seeds wrap like uint32). Normals: Box-Muller
// on pairs (u1, u2) of 32-bit uniforms, u1 in (0, 1], yielding r*cos and r*sin in that order.
// `sampleZ(seed, D)` = the first D normals of the stream for `seed`.

function splitmix32(state: number): [number, number] {
  state = (state + 0x9e3779b9) >>> 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  z = (z ^ (z >>> 16)) >>> 0;
  return [state, z];
}

export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`seed must be finite (got ${seed})`);
    const t = Math.trunc(seed);
    const lo = ((t % 2 ** 32) + 2 ** 32) % 2 ** 32;
    const hi = ((Math.floor(t / 2 ** 32) % 2 ** 32) + 2 ** 32) % 2 ** 32;
    let st = (lo ^ Math.imul(hi, 0x27d4eb2d)) >>> 0;
    for (let i = 0; i < 4; i++) {
      const [ns, z] = splitmix32(st);
      st = ns;
      this.s[i] = z;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
  }

  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in (0, 1]. */
  uniform(): number {
    return (this.nextU32() + 1) / 4294967296;
  }

  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = this.uniform(),
      u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  normals(n: number, scale = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal() * scale;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** z for a seed: D standard normals (see above). */
export function sampleZ(seed: number, dim: number): Float32Array {
  return new Rng(seed).normals(dim);
}
