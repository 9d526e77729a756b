// The Frechet distance between two sets of feature vectors (the FID formula, in whatever feature
// space the caller chooses): |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2).
// Dimensions here are small (tens), so a cyclic Jacobi eigensolver is plenty.

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major n x n) of a symmetric matrix. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          // Columns p and q, then rows p and q: m <- J^T m J.
          const mkp = m[k * n + p]!,
            mkq = m[k * n + q]!;
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]!,
            mqk = m[q * n + k]!;
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!,
            vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i]!;
  return { values, vectors: v };
}

function meanAndCovariance(rows: Float64Array[], n: number) {
  const mu = new Float64Array(n);
  for (const r of rows) for (let i = 0; i < n; i++) mu[i]! += r[i]! / rows.length;
  const cov = new Float64Array(n * n);
  for (const r of rows)
    for (let i = 0; i < n; i++) {
      const di = r[i]! - mu[i]!;
      for (let j = 0; j < n; j++) cov[i * n + j]! += (di * (r[j]! - mu[j]!)) / (rows.length - 1);
    }
  return { mu, cov };
}

/** The Frechet distance between the Gaussians fitted to two sets of n-dimensional rows. */
export function frechetDistance(x: Float64Array[], y: Float64Array[]): number {
  const n = x[0]!.length;
  const a = meanAndCovariance(x, n),
    b = meanAndCovariance(y, n);
  // S1^1/2 from S1's eigenvectors, then Tr((S1^1/2 S2 S1^1/2)^1/2) = sum of its eigenvalues' roots.
  const e = symmetricEigen(a.cov, n);
  const root = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++)
        s += e.vectors[i * n + k]! * Math.sqrt(Math.max(0, e.values[k]!)) * e.vectors[j * n + k]!;
      root[i * n + j] = s;
    }
  const tmp = new Float64Array(n * n),
    mid = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += root[i * n + k]! * b.cov[k * n + j]!;
      tmp[i * n + j] = s;
    }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += tmp[i * n + k]! * root[k * n + j]!;
      mid[i * n + j] = s;
    }
  // Symmetrise against rounding before the eigensolver.
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) mid[i * n + j] = mid[j * n + i] = (mid[i * n + j]! + mid[j * n + i]!) / 2;
  const traceRoot = symmetricEigen(mid, n).values.reduce((s, v) => s + Math.sqrt(Math.max(0, v)), 0);
  let d = 0;
  for (let i = 0; i < n; i++) d += (a.mu[i]! - b.mu[i]!) ** 2 + a.cov[i * n + i]! + b.cov[i * n + i]!;
  return d - 2 * traceRoot;
}
