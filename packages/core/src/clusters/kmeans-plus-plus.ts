/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { squaredDistance } from './assign-nearest.js';
import type { FeatureMatrix } from './clusters.schema.js';
import { randomIndex, type Uniform } from './seeded-random.js';

/**
 * k initial centroids by greedy k-means++ (Arthur & Vassilvitskii 2007, as scikit-learn does it):
 * the first a random row; each next one, of 2 + ⌊ln k⌋ rows drawn with probability proportional
 * to their squared distance to the nearest centroid so far, the one that lowers the total most.
 */
export function kmeansPlusPlus(matrix: FeatureMatrix, k: number, random: Uniform): Float64Array {
  const { values, rows, columns } = matrix;
  const centroids = new Float64Array(k * columns);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(rows);
  const candidate = new Float64Array(rows);
  const best = new Float64Array(rows);
  const first = randomIndex(random, rows);
  centroids.set(values.subarray(first * columns, (first + 1) * columns), 0);
  let potential = 0;
  for (let i = 0; i < rows; i++)
    potential += closest[i] = squaredDistance(values, i, values, first, columns);
  for (let c = 1; c < k; c++) {
    let bestPotential = Infinity;
    let bestRow = -1;
    for (let t = 0; t < trials; t++) {
      const row = drawProportional(closest, potential, random);
      let sum = 0;
      for (let i = 0; i < rows; i++) {
        const d = Math.min(closest[i]!, squaredDistance(values, i, values, row, columns));
        candidate[i] = d;
        sum += d;
      }
      if (sum < bestPotential) {
        bestPotential = sum;
        bestRow = row;
        best.set(candidate);
      }
    }
    centroids.set(values.subarray(bestRow * columns, (bestRow + 1) * columns), c * columns);
    closest.set(best);
    potential = bestPotential;
  }
  return centroids;
}

/** A row drawn with probability proportional to `weights` (which sum to `total`). */
function drawProportional(weights: Float64Array, total: number, random: Uniform): number {
  if (!(total > 0)) return randomIndex(random, weights.length);
  const target = random() * total;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    if (sum > target) return i;
  }
  return weights.length - 1;
}
