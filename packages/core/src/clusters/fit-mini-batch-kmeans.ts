/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { assignNearest } from './assign-nearest.js';
import type { FeatureMatrix, KMeansFit } from './clusters.schema.js';
import { kmeansPlusPlus } from './kmeans-plus-plus.js';
import { randomIndex, sampleIndices, seededRandom } from './seeded-random.js';

export interface MiniBatchOptions {
  k: number;
  /** Rows per step (default 1024, as scikit-learn). */
  batchSize?: number;
  /** Passes over the data at most, counted in rows drawn (default 100). */
  maxEpochs?: number;
  /** Stop after this many steps without a lower smoothed batch inertia (default 10). */
  maxNoImprovement?: number;
  /** k-means++ starts, each scored on the initialisation sample (default 3). */
  starts?: number;
  seed?: number;
}

/**
 * Mini-batch k-means (Sculley 2010, with scikit-learn's defaults and stopping rule): k-means++ on
 * a random sample of 3 × batchSize rows (the best of `starts`), then steps that each draw
 * batchSize rows at random, assign them, and move each centroid towards its rows with rate
 * 1 / (rows it has taken so far). Stops when the exponentially smoothed batch inertia has not
 * improved for `maxNoImprovement` steps. Memory beyond the table: the labels and one batch.
 */
export function fitMiniBatchKMeans(matrix: FeatureMatrix, options: MiniBatchOptions): KMeansFit {
  const { k, batchSize = 1024, maxEpochs = 100, maxNoImprovement = 10, starts = 3 } = options;
  const { values, rows, columns } = matrix;
  if (!(Number.isInteger(k) && k >= 1 && k <= rows))
    throw new RangeError(`k must be a whole number from 1 to ${rows}: ${k}`);
  const random = seededRandom(options.seed ?? 0);
  const size = Math.min(batchSize, rows);
  const batch: FeatureMatrix = { values: new Float64Array(size * columns), rows: size, columns };
  const batchLabels = new Int32Array(size);
  const initial = gather(matrix, sampleIndices(random, rows, Math.max(3 * batchSize, k)));
  const initialLabels = new Int32Array(initial.rows);
  let centroids: Float64Array = new Float64Array(0);
  let bestInertia = Infinity;
  for (let s = 0; s < starts; s++) {
    const candidate = kmeansPlusPlus(initial, k, random);
    const { inertia } = assignNearest(initial, candidate, k, initialLabels);
    if (inertia < bestInertia) [bestInertia, centroids] = [inertia, candidate];
  }
  const counts = new Float64Array(k);
  const steps = Math.ceil((maxEpochs * rows) / size);
  const alpha = Math.min(1, (2 * size) / (rows + 1));
  let smoothed = NaN;
  let lowest = Infinity;
  let stale = 0;
  let step = 0;
  let converged = false;
  while (step < steps) {
    step++;
    for (let b = 0; b < size; b++) {
      const from = randomIndex(random, rows) * columns;
      const to = b * columns;
      for (let j = 0; j < columns; j++) batch.values[to + j] = values[from + j]!;
    }
    batchLabels.fill(-1);
    const { inertia } = assignNearest(batch, centroids, k, batchLabels);
    for (let b = 0; b < size; b++) {
      const c = batchLabels[b]!;
      const rate = 1 / ++counts[c]!;
      for (let j = 0; j < columns; j++)
        centroids[c * columns + j]! +=
          (batch.values[b * columns + j]! - centroids[c * columns + j]!) * rate;
    }
    // The first step's inertia is the initial centroids', not the fit's: as scikit-learn, it is
    // left out of the smoothed inertia, which would otherwise start high and creep down for
    // thousands of steps (alpha is about 2 × batch / rows) before the stopping rule could act.
    if (step === 1) continue;
    const mean = inertia / size;
    smoothed = Number.isNaN(smoothed) ? mean : smoothed * (1 - alpha) + mean * alpha;
    if (smoothed < lowest) [lowest, stale] = [smoothed, 0];
    else if (++stale >= maxNoImprovement) {
      converged = true;
      break;
    }
  }
  const labels = new Int32Array(rows).fill(-1);
  const { inertia } = assignNearest(matrix, centroids, k, labels);
  return { k, centroids, labels, inertia, iterations: step, converged };
}

/** The given rows as a table of their own. */
function gather(matrix: FeatureMatrix, rows: Int32Array): FeatureMatrix {
  const { values, columns } = matrix;
  const out = new Float64Array(rows.length * columns);
  for (let r = 0; r < rows.length; r++)
    out.set(values.subarray(rows[r]! * columns, (rows[r]! + 1) * columns), r * columns);
  return { values: out, rows: rows.length, columns };
}
