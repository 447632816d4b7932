/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';

/**
 * Puts each row in the cluster of its nearest centroid (squared Euclidean; ties to the lower
 * index), writing `labels`, and returns the inertia: the sum of the squared distances. Returns
 * how many labels changed through `changed` when given.
 */
export function assignNearest(
  matrix: FeatureMatrix,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
): { inertia: number; changed: number } {
  const { values, rows, columns } = matrix;
  let inertia = 0;
  let changed = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * columns;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      const centre = c * columns;
      let distance = 0;
      for (let j = 0; j < columns; j++) {
        const d = values[row + j]! - centroids[centre + j]!;
        distance += d * d;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    if (labels[i] !== best) {
      labels[i] = best;
      changed++;
    }
    inertia += bestDistance;
  }
  return { inertia, changed };
}

/** The squared Euclidean distance between row `i` of `a` and row `j` of `b`, both `columns` wide. */
export function squaredDistance(
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  columns: number,
): number {
  let distance = 0;
  const x = i * columns;
  const y = j * columns;
  for (let f = 0; f < columns; f++) {
    const d = a[x + f]! - b[y + f]!;
    distance += d * d;
  }
  return distance;
}
