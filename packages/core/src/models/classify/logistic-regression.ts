/** A fitted logistic regression: P(y = 1 | x) = σ(intercept + weights · x). */
export interface LogisticModel {
  weights: number[];
  intercept: number;
  /** Newton iterations taken, and whether the steps had become negligible. */
  iterations: number;
  converged: boolean;
}

const MAX_ITERATIONS = 100;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * L2-regularized logistic regression fitted by Newton's method, with scikit-learn's objective
 * (`LogisticRegression(C=c)`): minimize ½‖w‖² + C Σ log-loss, the intercept unpenalized. The
 * objective is strictly convex, so Newton converges to its single minimum in a few iterations;
 * each solves the (d+1)² system by Cholesky.
 */
export function fitLogistic(
  x: readonly Float64Array[],
  y: readonly (0 | 1)[],
  c = 1,
): LogisticModel {
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const m = d + 1; // the intercept last
  const theta = new Float64Array(m);
  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITERATIONS && !converged) {
    iterations++;
    const gradient = new Float64Array(m);
    const hessian = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      const xi = x[i] as Float64Array;
      let z = theta[d] as number;
      for (let j = 0; j < d; j++) z += (theta[j] as number) * (xi[j] as number);
      const p = sigmoid(z);
      const r = c * (p - (y[i] as number));
      const s = c * p * (1 - p);
      for (let j = 0; j < m; j++) {
        const xj = j === d ? 1 : (xi[j] as number);
        gradient[j] = (gradient[j] as number) + r * xj;
        if (xj === 0) continue;
        const row = j * m;
        for (let k = 0; k <= j; k++) {
          const xk = k === d ? 1 : (xi[k] as number);
          hessian[row + k] = (hessian[row + k] as number) + s * xj * xk;
        }
      }
    }
    for (let j = 0; j < d; j++) {
      gradient[j] = (gradient[j] as number) + (theta[j] as number);
      hessian[j * m + j] = (hessian[j * m + j] as number) + 1;
    }
    for (let j = 0; j < m; j++)
      for (let k = j + 1; k < m; k++) hessian[j * m + k] = hessian[k * m + j] as number;
    const step = solveCholesky(hessian, gradient, m);
    let largest = 0;
    for (let j = 0; j < m; j++) {
      theta[j] = (theta[j] as number) - (step[j] as number);
      largest = Math.max(largest, Math.abs(step[j] as number));
    }
    converged = largest < 1e-10;
  }
  return {
    weights: Array.from(theta.subarray(0, d)),
    intercept: theta[d] as number,
    iterations,
    converged,
  };
}

/** The log-odds of one prepared row: intercept + weights · x. */
export function logOdds(
  model: Pick<LogisticModel, 'weights' | 'intercept'>,
  x: Float64Array,
): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++)
    z += (model.weights[j] as number) * (x[j] as number);
  return z;
}

/** P(y = 1) for one row. */
export function predictLogistic(
  model: Pick<LogisticModel, 'weights' | 'intercept'>,
  x: Float64Array,
): number {
  return sigmoid(logOdds(model, x));
}

/**
 * Solves A v = b for a symmetric positive definite A (row-major, m×m) by Cholesky: A = L Lᵀ.
 * (A regularized Hessian is positive definite: the ridge adds the identity.)
 */
function solveCholesky(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * m + k] as number) * (l[j * m + k] as number);
      if (i === j) {
        // The unpenalized intercept's pivot can only vanish for data with no rows.
        l[i * m + i] = Math.sqrt(Math.max(sum, 1e-300));
      } else {
        l[i * m + j] = sum / (l[j * m + j] as number);
      }
    }
  }
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * m + k] as number) * (z[k] as number);
    z[i] = sum / (l[i * m + i] as number);
  }
  const v = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = z[i] as number;
    for (let k = i + 1; k < m; k++) sum -= (l[k * m + i] as number) * (v[k] as number);
    v[i] = sum / (l[i * m + i] as number);
  }
  return v;
}
