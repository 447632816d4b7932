/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';
import { sampleIndices, seededRandom } from './seeded-random.js';

export interface SilhouetteOptions {
  /** Score a random sample of this many rows when there are more (as scikit-learn's sample_size). */
  sampleSize?: number;
  seed?: number;
}

/**
 * The mean silhouette of a partition (Rousseeuw 1987), Euclidean, as scikit-learn's
 * silhouette_score: for each row, a = its mean distance to the other rows of its cluster, b = the
 * lowest mean distance to the rows of another cluster, s = (b − a) / max(a, b), and 0 for a row
 * alone in its cluster. Exact (all pairs) up to `sampleSize` rows; above, on a seeded random
 * sample of that many rows, distances within the sample only. Needs at least 2 clusters present.
 */
export function silhouetteScore(
  matrix: FeatureMatrix,
  labels: Int32Array,
  k: number,
  options: SilhouetteOptions = {},
): number {
  const { sampleSize = Infinity, seed = 0 } = options;
  const rows =
    matrix.rows > sampleSize ? sampleIndices(seededRandom(seed), matrix.rows, sampleSize) : null;
  const samples = silhouetteSamples(matrix, labels, k, rows);
  let sum = 0;
  for (const s of samples) sum += s;
  return sum / samples.length;
}

/**
 * The silhouette of each of the given rows (all when `rows` is null), against those rows only.
 * O(n² · features): each pair's distance is computed once and added to both rows' sums.
 */
export function silhouetteSamples(
  matrix: FeatureMatrix,
  labels: Int32Array,
  k: number,
  rows: Int32Array | null = null,
): Float64Array {
  const { values, columns } = matrix;
  const n = rows === null ? matrix.rows : rows.length;
  const index = (i: number) => (rows === null ? i : rows[i]!);
  const label = new Int32Array(n);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[(label[i] = labels[index(i)]!)]!++;
  if (sizes.filter((s) => s > 0).length < 2)
    throw new RangeError('the silhouette needs at least 2 clusters');
  const points = new Float64Array(n * columns);
  for (let i = 0; i < n; i++)
    points.set(values.subarray(index(i) * columns, (index(i) + 1) * columns), i * columns);
  const sums = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const x = i * columns;
    const li = label[i]!;
    for (let j = i + 1; j < n; j++) {
      const y = j * columns;
      let squared = 0;
      for (let f = 0; f < columns; f++) {
        const d = points[x + f]! - points[y + f]!;
        squared += d * d;
      }
      const distance = Math.sqrt(squared);
      sums[i * k + label[j]!]! += distance;
      sums[j * k + li]! += distance;
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = label[i]!;
    if (sizes[own]! < 2) continue;
    const a = sums[i * k + own]! / (sizes[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++)
      if (c !== own && sizes[c]! > 0) b = Math.min(b, sums[i * k + c]! / sizes[c]!);
    const largest = Math.max(a, b);
    out[i] = largest > 0 ? (b - a) / largest : 0;
  }
  return out;
}
