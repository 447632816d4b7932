/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix, KMeansFit } from './clusters.schema.js';

/**
 * A partition found by a method without centroids of its own (Ward, DBSCAN) described as k-means
 * describes its own: each cluster's mean row as its centroid and the sum of squared distances
 * to it as inertia. Rows labelled −1 (DBSCAN's noise) are in no cluster and count for neither.
 */
export function partitionFit(table: FeatureMatrix, labels: Int32Array, k: number): KMeansFit {
  const { values, rows, columns } = table;
  const centroids = new Float64Array(k * columns);
  const counts = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    const c = labels[i]!;
    if (c < 0) continue;
    counts[c]!++;
    for (let j = 0; j < columns; j++) centroids[c * columns + j]! += values[i * columns + j]!;
  }
  for (let c = 0; c < k; c++)
    for (let j = 0; j < columns; j++) centroids[c * columns + j]! /= counts[c]! || 1;
  let inertia = 0;
  for (let i = 0; i < rows; i++) {
    const c = labels[i]!;
    if (c < 0) continue;
    for (let j = 0; j < columns; j++) {
      const diff = values[i * columns + j]! - centroids[c * columns + j]!;
      inertia += diff * diff;
    }
  }
  return { k, centroids, labels, inertia, iterations: 0, converged: true };
}
