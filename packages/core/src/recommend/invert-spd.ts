/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops */
import { err, ok, type Result } from '../result/result.js';

/** Rows worked together: each value read from the row they share is used this many times. */
const GROUP = 4;

/**
 * The inverse of a symmetric positive definite n×n matrix (row-major), through its Cholesky
 * factor: A = L Lᵀ, W = L⁻¹ (kept transposed, so every inner loop reads rows), A⁻¹ = Wᵀ W.
 * About n³/2 multiply-adds, all of them dot products of row segments. Rows are worked four at a
 * time against a fifth (`dots`): for a catalogue of thousands the rows do not fit in cache, so a
 * row read once for four dot products instead of one halves the time. `a` is overwritten and
 * returned as the (full, symmetric) inverse; a matrix that is not positive definite is refused
 * with the pivot where it failed.
 */
export function invertSymmetricPositiveDefinite(a: Float64Array, n: number): Result<Float64Array> {
  if (a.length !== n * n) return err(`expected ${n * n} values, got ${a.length}`);
  const failed = cholesky(a, n);
  if (failed !== undefined) return err(failed);
  const w = inverseFactor(a, n);
  gramOfRows(w, n, a);
  return ok(a);
}

/**
 * 1. A = L Lᵀ, row by row: L's lower triangle replaces A's. L[i][j] = (A[i][j] − L_i·L_j over
 * columns < j) / L[j][j]; a group's rows take each earlier row j in turn.
 */
function cholesky(a: Float64Array, n: number): string | undefined {
  const sums = new Float64Array(GROUP);
  for (let i0 = 0; i0 < n; i0 += GROUP) {
    const rows = Math.min(GROUP, n - i0);
    for (let j = 0; j < i0; j++) {
      dots(a, i0 * n, rows, n, a, j * n, j, sums);
      const pivot = a[j * n + j]!;
      for (let r = 0; r < rows; r++) {
        const at = (i0 + r) * n + j;
        a[at] = (a[at]! - sums[r]!) / pivot;
      }
    }
    for (let i = i0; i < i0 + rows; i++) {
      const ri = i * n;
      for (let j = i0; j <= i; j++) {
        const rj = j * n;
        const s = a[ri + j]! - dot(a, ri, a, rj, j);
        if (i === j) {
          if (!(s > 0)) return `not positive definite (pivot ${i}: ${s})`;
          a[ri + i] = Math.sqrt(s);
        } else a[ri + j] = s / a[rj + j]!;
      }
    }
  }
  return undefined;
}

/**
 * 2. W, row i = column i of L⁻¹ (entries i..n-1, zero before i), by forward substitution:
 * W[i][k] = −(L_k · W_i over columns i..k−1) / L[k][k]. A group's rows start at its first row's
 * column (their entries before their own are zero), so they share each row L_k.
 */
function inverseFactor(l: Float64Array, n: number): Float64Array {
  const w = new Float64Array(n * n);
  const sums = new Float64Array(GROUP);
  for (let i0 = 0; i0 < n; i0 += GROUP) {
    const rows = Math.min(GROUP, n - i0);
    const end = i0 + rows;
    for (let i = i0; i < end; i++) {
      const wi = i * n;
      w[wi + i] = 1 / l[i * n + i]!;
      for (let k = i + 1; k < end; k++)
        w[wi + k] = -dot(l, k * n + i, w, wi + i, k - i) / l[k * n + k]!;
    }
    for (let k = end; k < n; k++) {
      dots(w, i0 * n + i0, rows, n, l, k * n + i0, k - i0, sums);
      const pivot = l[k * n + k]!;
      for (let r = 0; r < rows; r++) w[(i0 + r) * n + k] = -sums[r]! / pivot;
    }
  }
  return w;
}

/** 3. out[i][j] = Σ_{k ≥ max(i, j)} W[i][k] W[j][k] (W's rows are zero before their own column). */
function gramOfRows(w: Float64Array, n: number, out: Float64Array): void {
  const sums = new Float64Array(GROUP);
  for (let i0 = 0; i0 < n; i0 += GROUP) {
    const rows = Math.min(GROUP, n - i0);
    for (let j = i0; j < n; j++) {
      dots(w, i0 * n + j, rows, n, w, j * n + j, n - j, sums);
      for (let r = 0; r < rows; r++) {
        out[(i0 + r) * n + j] = sums[r]!;
        out[j * n + i0 + r] = sums[r]!;
      }
    }
  }
}

/**
 * `sums[r]` = Σ x[xs + r·stride + k] y[ys + k] for k < length, for `rows` rows of x (at most
 * four) at once.
 */
function dots(
  x: Float64Array,
  xs: number,
  rows: number,
  stride: number,
  y: Float64Array,
  ys: number,
  length: number,
  sums: Float64Array,
): void {
  if (rows < GROUP) {
    for (let r = 0; r < rows; r++) sums[r] = dot(x, xs + r * stride, y, ys, length);
    return;
  }
  const x1 = xs + stride;
  const x2 = x1 + stride;
  const x3 = x2 + stride;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = 0; k < length; k++) {
    const v = y[ys + k]!;
    s0 += x[xs + k]! * v;
    s1 += x[x1 + k]! * v;
    s2 += x[x2 + k]! * v;
    s3 += x[x3 + k]! * v;
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
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
