import { linearSumAssignment } from 'linear-sum-assignment';

/**
 * Pairs the clusters of a new training with those of the previous one so ids and names survive
 * retraining: the assignment (Hungarian; Jonker–Volgenant) of least total Euclidean distance
 * between centroids, given in the same space. Returns, for each new centroid, the index of the
 * previous centroid it continues, or −1 for a new cluster (when k grew, the farthest are new;
 * when k shrank, some previous clusters end).
 */
export function matchClusters(
  previous: readonly (readonly number[])[],
  next: readonly (readonly number[])[],
): Int32Array {
  const match = new Int32Array(next.length).fill(-1);
  if (previous.length === 0 || next.length === 0) return match;
  const cost = next.map((a) =>
    previous.map((b) => Math.sqrt(a.reduce((sum, v, j) => sum + (v - (b[j] ?? 0)) ** 2, 0))),
  );
  const { rowAssignments } = linearSumAssignment(cost, { maximaze: false });
  rowAssignments.forEach((column, row) => {
    match[row] = column;
  });
  return match;
}
