/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { squaredDistance } from './assign-nearest.js';
import type { FeatureMatrix, KMeansFit } from './clusters.schema.js';
import { HamerlyBounds } from './hamerly-bounds.js';
import {
  kmeansPlusPlus,
  measureNearest,
  nearestCentroids,
  seedingDraws,
  type NearestCentroids,
} from './kmeans-plus-plus.js';
import { seededRandom } from './seeded-random.js';

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
  /**
   * Start from these centroids (k rows of `columns` values, row-major) instead of k-means++
   * seeds: one start, as scikit-learn's `KMeans(init=array, n_init=1)`.
   */
  initial?: Float64Array;
  /** Other threads to share the starts with (the server's pool); on this thread alone without. */
  threads?: KMeansThreads;
}

/** What a thread needs, besides the table, to run some of a fit's k-means++ starts. */
export interface KMeansStartsJob {
  k: number;
  /** Starts 0 to starts − 1; start s seeds from the generator of `seed` s × seedingDraws(k) in. */
  starts: number;
  seed: number;
  maxIterations: number;
  /** The stopping tolerance in squared distance (the relative tolerance × mean variance). */
  threshold: number;
}

/** The fit of one start, and which. */
export interface KMeansStartFit extends KMeansFit {
  start: number;
}

/**
 * Runs a fit's starts on this thread and others at once: each runs `fitKMeansStarts` with one
 * claim shared by all, so each start runs once, on whichever thread claims it first. Returns the
 * best fit of each thread that ran any. A start's fit depends on its number alone, so the fit
 * chosen from these (`betterStart`) is the one a single thread finds, however the starts fell.
 */
export interface KMeansThreads {
  fitStarts(matrix: FeatureMatrix, job: KMeansStartsJob): KMeansStartFit[];
}

/**
 * k-means by Lloyd's iterations (with Hamerly's bounds, which skip rows that cannot change
 * cluster) from k-means++ starts: the partition of lowest inertia over
 * `starts` starts (the first such start on a tie). Stops a start when no row changes cluster or the
 * centroids move less than the tolerance; a cluster left empty takes the row farthest from its
 * centroid. Given `threads`, the starts run on several threads, with the same result.
 * Needs 1 <= k <= rows.
 */
export function fitKMeans(matrix: FeatureMatrix, options: KMeansOptions): KMeansFit {
  const { k, maxIterations = 300, tolerance = 1e-4, seed = 0, initial } = options;
  if (!(Number.isInteger(k) && k >= 1 && k <= matrix.rows))
    throw new RangeError(`k must be a whole number from 1 to ${matrix.rows}: ${k}`);
  if (initial !== undefined && initial.length !== k * matrix.columns)
    throw new RangeError(`initial centroids must be ${k} x ${matrix.columns} values`);
  const threshold = tolerance * meanVariance(matrix);
  if (initial !== undefined) {
    const nearest = nearestCentroids(matrix.rows);
    const centroids = initial.slice();
    measureNearest(matrix, centroids, k, nearest);
    return lloyd(
      matrix,
      k,
      centroids,
      nearest,
      new HamerlyBounds(matrix, k),
      maxIterations,
      threshold,
    );
  }
  const job = { k, starts: options.starts ?? 10, seed, maxIterations, threshold };
  const fits =
    options.threads !== undefined && job.starts > 1
      ? options.threads.fitStarts(matrix, job)
      : [fitKMeansStarts(matrix, job, countStarts(job.starts))];
  let best: KMeansStartFit | undefined;
  for (const fit of fits) if (fit !== undefined) best = betterStart(best, fit);
  if (best === undefined) throw new Error('no k-means start was run');
  const { centroids, labels, inertia, iterations, converged } = best;
  return { k, centroids, labels, inertia, iterations, converged };
}

/** The starts 0 to `starts` − 1 in order, then −1: one thread's claim. */
function countStarts(starts: number): () => number {
  let next = 0;
  return () => (next < starts ? next++ : -1);
}

/** The better of two starts' fits: lower inertia, the lower start on a tie. */
export function betterStart(a: KMeansStartFit | undefined, b: KMeansStartFit): KMeansStartFit {
  if (a === undefined) return b;
  return b.inertia < a.inertia || (b.inertia === a.inertia && b.start < a.start) ? b : a;
}

/**
 * Runs the starts that `claim` gives (start numbers, −1 when none is left) and returns the best
 * of them, or undefined when it gave none.
 */
export function fitKMeansStarts(
  matrix: FeatureMatrix,
  job: KMeansStartsJob,
  claim: () => number,
): KMeansStartFit | undefined {
  let start = claim();
  if (start < 0) return undefined;
  const runner = new KMeansStartRunner(matrix, job);
  let best: KMeansStartFit | undefined;
  for (; start >= 0; start = claim()) {
    const fit = runner.run(start);
    if (betterStart(best, fit) === fit) best = { ...fit, labels: fit.labels.slice() };
  }
  return best;
}

/**
 * Runs one start of a fit at a time: a start seeds k-means++ from its own place in the seed's
 * sequence, so its fit is the same on whichever thread, in whichever order, it runs. A fit's
 * labels are the runner's own array, written again by the next run (copy to keep); the per-row
 * arrays serve every start.
 */
export class KMeansStartRunner {
  private readonly nearest: NearestCentroids;
  private readonly bounds: HamerlyBounds;

  constructor(
    private readonly matrix: FeatureMatrix,
    private readonly job: KMeansStartsJob,
  ) {
    this.nearest = nearestCentroids(matrix.rows);
    this.bounds = new HamerlyBounds(matrix, job.k);
  }

  run(start: number): KMeansStartFit {
    const { matrix, job, nearest, bounds } = this;
    const centroids = this.seed(start);
    return {
      ...lloyd(matrix, job.k, centroids, nearest, bounds, job.maxIterations, job.threshold),
      start,
    };
  }

  /**
   * The start raced against another thread running it: gives up (undefined) once `stop`, asked
   * before each Lloyd iteration, says the other finished first.
   */
  race(start: number, stop: () => boolean): KMeansStartFit | undefined {
    const { matrix, job, nearest, bounds } = this;
    const centroids = this.seed(start);
    const { k, maxIterations, threshold } = job;
    const fit = lloyd(matrix, k, centroids, nearest, bounds, maxIterations, threshold, stop);
    return fit && { ...fit, start };
  }

  /** The start's k-means++ centroids, its rows' nearest of them into `nearest`. */
  private seed(start: number): Float64Array {
    const { k, seed } = this.job;
    const random = seededRandom(seed, start * seedingDraws(k));
    return kmeansPlusPlus(this.matrix, k, random, this.nearest);
  }
}

/**
 * Lloyd's iterations from `centroids`, the rows already assigned to them in `nearest` (the first
 * assignment, made while seeding). Each iteration moves the centroids to their rows' means, then
 * assigns the rows again; the labels are written into `nearest.labels`. Undefined when `stop`,
 * asked before each iteration, says so.
 */
function lloyd(
  matrix: FeatureMatrix,
  k: number,
  seeds: Float64Array,
  nearest: NearestCentroids,
  bounds: HamerlyBounds,
  maxIterations: number,
  threshold: number,
): KMeansFit;
function lloyd(
  matrix: FeatureMatrix,
  k: number,
  seeds: Float64Array,
  nearest: NearestCentroids,
  bounds: HamerlyBounds,
  maxIterations: number,
  threshold: number,
  stop: () => boolean,
): KMeansFit | undefined;
function lloyd(
  matrix: FeatureMatrix,
  k: number,
  seeds: Float64Array,
  nearest: NearestCentroids,
  bounds: HamerlyBounds,
  maxIterations: number,
  threshold: number,
  stop?: () => boolean,
): KMeansFit | undefined {
  const { labels } = nearest;
  let centroids: Float64Array = seeds;
  let next: Float64Array = new Float64Array(centroids.length);
  bounds.start(nearest);
  let iterations = 1;
  let converged = false;
  for (;;) {
    if (stop?.() === true) return undefined;
    meansOf(bounds.sums, bounds.counts, matrix.columns, next);
    for (const row of fillEmpty(matrix, labels, centroids, next, bounds)) bounds.forget(row);
    const shift = bounds.moved(centroids, next);
    [centroids, next] = [next, centroids];
    if (shift <= threshold) {
      converged = true;
      break;
    }
    if (iterations >= maxIterations) break;
    iterations++;
    if (bounds.assign(centroids, labels) === 0) {
      const inertia = inertiaOf(matrix, centroids, labels);
      return { k, centroids, labels, inertia, iterations, converged: true };
    }
  }
  // The rows assigned once more, to the final centroids.
  bounds.assign(centroids, labels);
  const inertia = inertiaOf(matrix, centroids, labels);
  return { k, centroids, labels, inertia, iterations, converged };
}

/** Sum of the squared distances of the rows to the centroids of their labels. */
function inertiaOf(matrix: FeatureMatrix, centroids: Float64Array, labels: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < matrix.rows; i++)
    inertia += squaredDistance(matrix.values, i, centroids, labels[i]!, matrix.columns);
  return inertia;
}

/** Each cluster's mean from its sum and count into `means` (0 for an empty cluster). */
function meansOf(sums: Float64Array, counts: Float64Array, columns: number, means: Float64Array) {
  for (let c = 0; c < counts.length; c++) {
    const n = counts[c]!;
    for (let j = 0; j < columns; j++)
      means[c * columns + j] = n > 0 ? sums[c * columns + j]! / n : 0;
  }
}

/**
 * Each empty cluster takes, as its centroid, the row farthest from its own centroid that is not
 * alone in its cluster (as scikit-learn relocates empty clusters). Keeps the clusters' sums and
 * counts, and returns the rows moved.
 */
function fillEmpty(
  matrix: FeatureMatrix,
  labels: Int32Array,
  centroids: Float64Array,
  means: Float64Array,
  bounds: HamerlyBounds,
): number[] {
  const { values, rows, columns } = matrix;
  const { sums, counts } = bounds;
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
    for (let j = 0; j < columns; j++) {
      const x = values[far * columns + j]!;
      sums[from * columns + j]! -= x;
      means[from * columns + j] = sums[from * columns + j]! / counts[from]!;
      sums[c * columns + j] = x;
      means[c * columns + j] = x;
    }
    labels[far] = c;
    counts[c] = 1;
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
