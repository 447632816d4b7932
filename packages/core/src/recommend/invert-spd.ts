/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops */
import { err, ok, type Result } from '../result/result.js';

/**
 * The inverse of a symmetric positive definite n×n matrix (row-major), through its Cholesky
 * factor: A = L Lᵀ, W = L⁻¹ (kept transposed, so every inner loop reads rows), A⁻¹ = Wᵀ W.
 * About n³/2 multiply-adds. `a` is overwritten and returned as the (full, symmetric) inverse;
 * a matrix that is not positive definite is refused with the pivot where it failed.
 */
export function invertSymmetricPositiveDefinite(a: Float64Array, n: number): Result<Float64Array> {
  if (a.length !== n * n) return err(`expected ${n * n} values, got ${a.length}`);
  // 1. Cholesky, row by row: L's lower triangle replaces A's.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      const s = a[ri + j]! - dot(a, ri, a, rj, j);
      if (i === j) {
        if (!(s > 0)) return err(`not positive definite (pivot ${i}: ${s})`);
        a[ri + i] = Math.sqrt(s);
      } else a[ri + j] = s / a[rj + j]!;
    }
  }
  // 2. W row i = column i of L⁻¹ (entries i..n-1), by forward substitution.
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const wi = i * n;
    w[wi + i] = 1 / a[i * n + i]!;
    for (let k = i + 1; k < n; k++) {
      const rk = k * n;
      w[wi + k] = -dot(a, rk + i, w, wi + i, k - i) / a[rk + k]!;
    }
  }
  // 3. A⁻¹[i][j] = Σ_{k ≥ max(i, j)} W[i][k] W[j][k].
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = dot(w, i * n + j, w, j * n + j, n - j);
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return ok(a);
}

/** Σ x[xs + k] y[ys + k] for k < length, four accumulators (the same order every time). */
function dot(x: Float64Array, xs: number, y: Float64Array, ys: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    s0 += x[xs + k]! * y[ys + k]!;
    s1 += x[xs + k + 1]! * y[ys + k + 1]!;
    s2 += x[xs + k + 2]! * y[ys + k + 2]!;
    s3 += x[xs + k + 3]! * y[ys + k + 3]!;
  }
  for (; k < length; k++) s0 += x[xs + k]! * y[ys + k]!;
  return s0 + s1 + (s2 + s3);
}
