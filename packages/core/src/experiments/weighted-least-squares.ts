/**
 * The weighted least-squares fit of `target` on the columns of a design (one value per row):
 * minimizes Σ wᵢ (yᵢ − xᵢβ)². Solved by modified Gram–Schmidt on √w·X, each column
 * orthogonalized twice (stable to rounding), keeping a column only when it adds a direction: a
 * column that is (numerically) a combination of earlier ones is aliased and left out, as R's `lm`
 * and statsmodels' pinv do, so empty cells and collinear designs still fit. Rows weighted 0 take
 * no part. Returns the fitted values, the rank and the weighted residual sum of squares.
 */
export function weightedLeastSquares(
  columns: readonly Float64Array[],
  weights: Float64Array,
  target: Float64Array,
): { fitted: Float64Array; rank: number; rss: number } {
  const rows = target.length;
  const root = weights.map((w) => (w > 0 ? Math.sqrt(w) : 0));
  const basis: Float64Array[] = [];
  for (const column of columns) {
    const q = column.map((x, i) => x * (root[i] ?? 0));
    const norm = Math.sqrt(dot(q, q));
    if (norm === 0) continue;
    for (let pass = 0; pass < 2; pass++) for (const b of basis) subtract(q, b, dot(q, b));
    const left = Math.sqrt(dot(q, q));
    if (left <= 1e-10 * norm) continue; // aliased
    for (let i = 0; i < rows; i++) q[i] = (q[i] ?? 0) / left;
    basis.push(q);
  }
  const residual = target.map((y, i) => y * (root[i] ?? 0));
  for (let pass = 0; pass < 2; pass++)
    for (const b of basis) subtract(residual, b, dot(residual, b));
  const fitted = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = root[i] ?? 0;
    fitted[i] = r > 0 ? (target[i] ?? 0) - (residual[i] ?? 0) / r : 0;
  }
  return { fitted, rank: basis.length, rss: dot(residual, residual) };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function subtract(a: Float64Array, b: Float64Array, k: number): void {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] ?? 0) - k * (b[i] ?? 0);
}
