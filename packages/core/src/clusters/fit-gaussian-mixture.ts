/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';
import { fitKMeans } from './fit-kmeans.js';

export interface GaussianMixtureOptions {
  k: number;
  /** EM runs from different k-means starts; the best lower bound is kept (default 3). */
  starts?: number;
  seed?: number;
  /** Added to each covariance's diagonal, as scikit-learn's reg_covar (default 1e-6). */
  regCovar?: number;
  maxIterations?: number;
  /** Stop when the mean log-likelihood gains less than this (default 1e-3, as scikit-learn). */
  tolerance?: number;
}

export interface GaussianMixtureFit {
  k: number;
  weights: Float64Array;
  /** k rows of `columns` means, row-major. */
  means: Float64Array;
  /** k full covariance matrices of columns × columns, row-major. */
  covariances: Float64Array;
  /** The most likely component of each row. */
  labels: Int32Array;
  /** Mean log-likelihood per row. */
  logLikelihood: number;
  /** Bayesian information criterion: −2 · total log-likelihood + parameters · ln(rows). */
  bic: number;
  converged: boolean;
}

/**
 * A Gaussian mixture with full covariances fitted by EM, as scikit-learn's GaussianMixture
 * (init from k-means labels, reg_covar on the diagonal, tolerance on the mean log-likelihood):
 * several starts, the best kept, with its BIC for choosing k.
 */
export function fitGaussianMixture(
  table: FeatureMatrix,
  options: GaussianMixtureOptions,
): GaussianMixtureFit {
  const starts = options.starts ?? 3;
  let best: GaussianMixtureFit | undefined;
  for (let s = 0; s < starts; s++) {
    const fit = runEm(table, options, (options.seed ?? 0) + s);
    if (best === undefined || fit.logLikelihood > best.logLikelihood) best = fit;
  }
  return best!;
}

function runEm(
  table: FeatureMatrix,
  options: GaussianMixtureOptions,
  seed: number,
): GaussianMixtureFit {
  const { rows, columns: d } = table;
  const { k, regCovar = 1e-6, maxIterations = 100, tolerance = 1e-3 } = options;
  const resp = new Float64Array(rows * k);
  const start = fitKMeans(table, { k, starts: 1, seed });
  for (let i = 0; i < rows; i++) resp[i * k + start.labels[i]!] = 1;
  const weights = new Float64Array(k);
  const means = new Float64Array(k * d);
  const covariances = new Float64Array(k * d * d);
  const cholesky = new Float64Array(k * d * d);
  let previous = -Infinity;
  let logLikelihood = -Infinity;
  let converged = false;
  mStep(table, resp, k, regCovar, weights, means, covariances);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    logLikelihood = eStep(table, k, weights, means, covariances, cholesky, resp);
    mStep(table, resp, k, regCovar, weights, means, covariances);
    if (Math.abs(logLikelihood - previous) < tolerance) {
      converged = true;
      break;
    }
    previous = logLikelihood;
  }
  // The final parameters' likelihood and labels (scikit-learn ends with one more E-step).
  logLikelihood = eStep(table, k, weights, means, covariances, cholesky, resp);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let top = 0;
    for (let c = 1; c < k; c++) if (resp[i * k + c]! > resp[i * k + top]!) top = c;
    labels[i] = top;
  }
  const parameters = k * d + (k * d * (d + 1)) / 2 + k - 1;
  const bic = -2 * logLikelihood * rows + parameters * Math.log(rows);
  return { k, weights, means, covariances, labels, logLikelihood, bic, converged };
}

/** Weights, means and covariances from the responsibilities. */
function mStep(
  table: FeatureMatrix,
  resp: Float64Array,
  k: number,
  regCovar: number,
  weights: Float64Array,
  means: Float64Array,
  covariances: Float64Array,
): void {
  const { values, rows, columns: d } = table;
  weights.fill(0);
  means.fill(0);
  covariances.fill(0);
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      weights[c]! += r;
      for (let j = 0; j < d; j++) means[c * d + j]! += r * values[i * d + j]!;
    }
  for (let c = 0; c < k; c++) {
    const n = weights[c]! + 10 * Number.EPSILON;
    for (let j = 0; j < d; j++) means[c * d + j]! /= n;
  }
  for (let i = 0; i < rows; i++)
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      const base = c * d * d;
      for (let a = 0; a < d; a++) {
        const da = values[i * d + a]! - means[c * d + a]!;
        for (let b = 0; b <= a; b++)
          covariances[base + a * d + b]! += r * da * (values[i * d + b]! - means[c * d + b]!);
      }
    }
  for (let c = 0; c < k; c++) {
    const n = weights[c]! + 10 * Number.EPSILON;
    const base = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const v = covariances[base + a * d + b]! / n + (a === b ? regCovar : 0);
        covariances[base + a * d + b] = v;
        covariances[base + b * d + a] = v;
      }
    }
    weights[c] = n / rows;
  }
}

/** Responsibilities from the parameters; returns the mean log-likelihood. */
function eStep(
  table: FeatureMatrix,
  k: number,
  weights: Float64Array,
  means: Float64Array,
  covariances: Float64Array,
  cholesky: Float64Array,
  resp: Float64Array,
): number {
  const { values, rows, columns: d } = table;
  const logDet = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const base = c * d * d;
    cholesky.fill(0, base, base + d * d);
    for (let a = 0; a < d; a++)
      for (let b = 0; b <= a; b++) {
        let sum = covariances[base + a * d + b]!;
        for (let m = 0; m < b; m++)
          sum -= cholesky[base + a * d + m]! * cholesky[base + b * d + m]!;
        if (a === b) {
          if (!(sum > 0)) throw new RangeError('a covariance is not positive definite');
          cholesky[base + a * d + a] = Math.sqrt(sum);
          logDet[c]! += Math.log(cholesky[base + a * d + a]!);
        } else cholesky[base + a * d + b] = sum / cholesky[base + b * d + b]!;
      }
  }
  const z = new Float64Array(d);
  const logTwoPi = Math.log(2 * Math.PI);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let top = -Infinity;
    for (let c = 0; c < k; c++) {
      const base = c * d * d;
      // Solve L z = x − μ; the Mahalanobis distance is |z|².
      let squared = 0;
      for (let a = 0; a < d; a++) {
        let sum = values[i * d + a]! - means[c * d + a]!;
        for (let m = 0; m < a; m++) sum -= cholesky[base + a * d + m]! * z[m]!;
        z[a] = sum / cholesky[base + a * d + a]!;
        squared += z[a]! * z[a]!;
      }
      const log = Math.log(weights[c]!) - 0.5 * (d * logTwoPi + squared) - logDet[c]!;
      resp[i * k + c] = log;
      if (log > top) top = log;
    }
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(resp[i * k + c]! - top);
    const norm = top + Math.log(sum);
    total += norm;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp(resp[i * k + c]! - norm);
  }
  return total / rows;
}
