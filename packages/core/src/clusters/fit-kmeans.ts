/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { assignNearest, squaredDistance } from './assign-nearest.js';
import type { FeatureMatrix, KMeansFit } from './clusters.schema.js';
import { HamerlyBounds } from './hamerly-bounds.js';
import { kmeansPlusPlus } from './kmeans-plus-plus.js';
import { seededRandom, type Uniform } from './seeded-random.js';

export interface KMeansOptions {
  k: number;
  /** Starts from different k-means++ seeds; the lowest inertia wins (default 10). */
  starts?: number;
  /** Lloyd iterations per start at most (default 300). */
  maxIterations?: number;
  /**
   * Stop when the centroids move less than this, in squared distance summed over the
   * centroids, relative to the mean variance of the features (default 1e-4, as scikit-learn).
   */
  tolerance?: number;
  seed?: number;
}

/**
 * k-means by Lloyd's iterations (with Hamerly's bounds, which skip rows that cannot change
 * cluster) from k-means++ starts: the partition of lowest inertia over
 * `starts` starts. Stops a start when no row changes cluster or the centroids move less than the
 * tolerance; a cluster left empty takes the row farthest from its centroid.
 * Needs 1 <= k <= rows.
 */
export function fitKMeans(matrix: FeatureMatrix, options: KMeansOptions): KMeansFit {
  const { k, starts = 10, maxIterations = 300, tolerance = 1e-4, seed = 0 } = options;
  if (!(Number.isInteger(k) && k >= 1 && k <= matrix.rows))
    throw new RangeError(`k must be a whole number from 1 to ${matrix.rows}: ${k}`);
  const random = seededRandom(seed);
  const threshold = tolerance * meanVariance(matrix);
  let best: KMeansFit | undefined;
  for (let start = 0; start < starts; start++) {
    const fit = lloyd(matrix, k, random, maxIterations, threshold);
    if (best === undefined || fit.inertia < best.inertia) best = fit;
  }
  return best!;
}

function lloyd(
  matrix: FeatureMatrix,
  k: number,
  random: Uniform,
  maxIterations: number,
  threshold: number,
): KMeansFit {
  let centroids: Float64Array = kmeansPlusPlus(matrix, k, random);
  let next: Float64Array = new Float64Array(centroids.length);
  const labels = new Int32Array(matrix.rows).fill(-1);
  const counts = new Float64Array(k);
  const bounds = new HamerlyBounds(matrix, k);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    if (bounds.assign(centroids, labels) === 0) {
      const inertia = inertiaOf(matrix, centroids, labels);
      return { k, centroids, labels, inertia, iterations, converged: true };
    }
    computeMeans(matrix, labels, k, next, counts);
    for (const row of fillEmpty(matrix, labels, centroids, next, counts)) bounds.forget(row);
    const shift = bounds.moved(centroids, next, labels);
    [centroids, next] = [next, centroids];
    if (shift <= threshold) {
      converged = true;
      break;
    }
  }
  const { inertia } = assignNearest(matrix, centroids, k, labels);
  return { k, centroids, labels, inertia, iterations, converged };
}

/** Sum of the squared distances of the rows to the centroids of their labels. */
function inertiaOf(matrix: FeatureMatrix, centroids: Float64Array, labels: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < matrix.rows; i++)
    inertia += squaredDistance(matrix.values, i, centroids, labels[i]!, matrix.columns);
  return inertia;
}

/** The mean of each cluster's rows into `means`, and their counts into `counts`. */
function computeMeans(
  matrix: FeatureMatrix,
  labels: Int32Array,
  k: number,
  means: Float64Array,
  counts: Float64Array,
): void {
  const { values, rows, columns } = matrix;
  means.fill(0);
  counts.fill(0);
  for (let i = 0; i < rows; i++) {
    const c = labels[i]!;
    counts[c]!++;
    for (let j = 0; j < columns; j++) means[c * columns + j]! += values[i * columns + j]!;
  }
  for (let c = 0; c < k; c++)
    if (counts[c]! > 0) for (let j = 0; j < columns; j++) means[c * columns + j]! /= counts[c]!;
}

/**
 * Each empty cluster takes, as its centroid, the row farthest from its own centroid that is not
 * alone in its cluster (as scikit-learn relocates empty clusters).
 */
function fillEmpty(
  matrix: FeatureMatrix,
  labels: Int32Array,
  centroids: Float64Array,
  means: Float64Array,
  counts: Float64Array,
): number[] {
  const { values, rows, columns } = matrix;
  const moved: number[] = [];
  for (let c = 0; c < counts.length; c++) {
    if (counts[c]! > 0) continue;
    let far = -1;
    let farDistance = -1;
    for (let i = 0; i < rows; i++) {
      if (counts[labels[i]!]! < 2) continue;
      const d = squaredDistance(values, i, centroids, labels[i]!, columns);
      if (d > farDistance) {
        farDistance = d;
        far = i;
      }
    }
    if (far < 0) continue;
    const from = labels[far]!;
    counts[from]!--;
    for (let j = 0; j < columns; j++)
      means[from * columns + j] =
        (means[from * columns + j]! * (counts[from]! + 1) - values[far * columns + j]!) /
        counts[from]!;
    labels[far] = c;
    counts[c] = 1;
    means.set(values.subarray(far * columns, (far + 1) * columns), c * columns);
    moved.push(far);
  }
  return moved;
}

/** The mean over the features of their (population) variances. */
export function meanVariance(matrix: FeatureMatrix): number {
  const { values, rows, columns } = matrix;
  if (rows === 0) return 0;
  let total = 0;
  for (let j = 0; j < columns; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += values[i * columns + j]!;
    mean /= rows;
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += (values[i * columns + j]! - mean) ** 2;
    total += sum / rows;
  }
  return total / columns;
}
