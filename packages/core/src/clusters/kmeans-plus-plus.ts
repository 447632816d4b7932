/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';
import { squaredTo } from './squared-to.js';
import { randomIndex, type Uniform } from './seeded-random.js';

/**
 * Each row's nearest and second-nearest centroid, as squared distances, and the nearest's index:
 * what Lloyd's first assignment (and Hamerly's bounds) would otherwise measure again.
 */
export interface NearestCentroids {
  labels: Int32Array;
  first: Float64Array;
  second: Float64Array;
}

/** Room for the nearest centroids of `rows` rows. */
export function nearestCentroids(rows: number): NearestCentroids {
  return {
    labels: new Int32Array(rows),
    first: new Float64Array(rows),
    second: new Float64Array(rows),
  };
}

/**
 * k initial centroids by greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it):
 * the first a random row; each next one, of 2 + ⌊ln k⌋ rows drawn with probability proportional
 * to their squared distance to the nearest centroid so far, the one that lowers the total most.
 * Given `nearest`, writes there each row's nearest and second-nearest of the k centroids (ties
 * to the lower index, as a full assignment pass), measured on the way at no extra distance.
 */
export function kmeansPlusPlus(
  matrix: FeatureMatrix,
  k: number,
  random: Uniform,
  nearest: NearestCentroids = nearestCentroids(matrix.rows),
): Float64Array {
  const { values, rows, columns } = matrix;
  const centroids = new Float64Array(k * columns);
  const trials = seedingTrials(k);
  const { labels, first: closest, second } = nearest;
  const cumulative = new Float64Array(rows);
  let candidate = new Float64Array(rows);
  let chosen = new Float64Array(rows);
  const row0 = randomIndex(random, rows);
  centroids.set(values.subarray(row0 * columns, (row0 + 1) * columns), 0);
  let potential = 0;
  for (let i = 0; i < rows; i++) {
    potential += closest[i] = squaredTo(values, i * columns, values, row0 * columns, columns);
    labels[i] = 0;
    second[i] = Infinity;
  }
  for (let c = 1; c < k; c++) {
    cumulate(closest, cumulative);
    let bestPotential = Infinity;
    let bestRow = -1;
    for (let t = 0; t < trials; t++) {
      const row = drawProportional(cumulative, potential, random);
      // A trial stops once it cannot beat the best so far (the sums only grow).
      let sum = 0;
      for (let i = 0; i < rows && sum < bestPotential; i++) {
        const d = squaredTo(values, i * columns, values, row * columns, columns);
        candidate[i] = d;
        sum += Math.min(d, closest[i]!);
      }
      if (sum < bestPotential) {
        bestPotential = sum;
        bestRow = row;
        [candidate, chosen] = [chosen, candidate];
      }
    }
    centroids.set(values.subarray(bestRow * columns, (bestRow + 1) * columns), c * columns);
    for (let i = 0; i < rows; i++) {
      const d = chosen[i]!;
      if (d < closest[i]!) {
        second[i] = closest[i]!;
        closest[i] = d;
        labels[i] = c;
      } else if (d < second[i]!) second[i] = d;
    }
    potential = bestPotential;
  }
  return centroids;
}

/** The candidates drawn for each centroid after the first: 2 + ⌊ln k⌋, as scikit-learn. */
function seedingTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/**
 * How many uniform numbers `kmeansPlusPlus` draws for k centroids: one for the first row, one per
 * candidate after it (a draw is one number whether or not the distances are all 0).
 */
export function seedingDraws(k: number): number {
  return 1 + (k - 1) * seedingTrials(k);
}

/** Running sums of `weights` into `into`, in order (the sums a linear scan would form). */
function cumulate(weights: Float64Array, into: Float64Array): void {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) into[i] = sum += weights[i]!;
}

/**
 * A row drawn with probability proportional to its weight, given the weights' running sums and
 * their total: the first row whose running sum exceeds a uniform draw in [0, total), found by
 * bisection (the row a linear scan would stop at).
 */
function drawProportional(cumulative: Float64Array, total: number, random: Uniform): number {
  const n = cumulative.length;
  if (!(total > 0)) return randomIndex(random, n);
  const target = random() * total;
  let low = 0;
  let high = n - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cumulative[mid]! > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * Each row's nearest and second-nearest of the k `centroids` into `nearest` (squared distances,
 * ties to the lower index): the first assignment when the centroids are given rather than seeded.
 */
export function measureNearest(
  matrix: FeatureMatrix,
  centroids: Float64Array,
  k: number,
  nearest: NearestCentroids,
): void {
  const { values, rows, columns } = matrix;
  const { labels, first, second } = nearest;
  for (let i = 0; i < rows; i++) {
    let a = Infinity;
    let b = Infinity;
    let label = 0;
    for (let c = 0; c < k; c++) {
      const d = squaredTo(values, i * columns, centroids, c * columns, columns);
      if (d < a) {
        b = a;
        a = d;
        label = c;
      } else if (d < b) b = d;
    }
    labels[i] = label;
    first[i] = a;
    second[i] = b;
  }
}
