import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from './clusters.schema.js';
import { fitKMeans, meanVariance } from './fit-kmeans.js';
import { kmeansPlusPlus } from './kmeans-plus-plus.js';
import { readKMeansStartsReference, readRfm, type LloydCase } from './online-retail.fixture.js';
import { prepareFeatures } from './prepare-features.js';
import { seededRandom } from './seeded-random.js';

// Lloyd with Hamerly's bounds skips the rows that cannot change cluster; these cases check that
// it ends where Lloyd with a full pass at every iteration ends, from the same starts: scikit-
// learn's (make-kmeans-starts-reference.py) and a plain Lloyd written here from our own seeds.

const reference = readKMeansStartsReference();
const rfm = (() => {
  const prepared = prepareFeatures(readRfm().matrix, 'log-standard');
  if (!prepared.ok) throw new Error(prepared.error);
  return prepared.value.matrix;
})();
const blobs: FeatureMatrix = {
  values: Float64Array.from(reference.blobs.points.flat()),
  rows: reference.blobs.points.length,
  columns: reference.blobs.points[0]!.length,
};

function sizesOf(labels: Int32Array, k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (const c of labels) sizes[c]!++;
  return sizes.sort((a, b) => b - a);
}

describe.each([
  ['RFM table (3 features)', rfm, reference.rfm.cases],
  ['600 points in 5 dimensions', blobs, reference.blobs.cases],
] as const)("Lloyd from scikit-learn's starts on the %s", (_, matrix, cases) => {
  it.each(cases.map((c) => [c.k, c.seed, c] as [number, number, LloydCase]))(
    'k = %d, kmeans_plusplus(random_state=%d): the same partition as KMeans(init=starts)',
    (k, _seed, expected) => {
      const initial = Float64Array.from(expected.initial.flat());
      const fit = fitKMeans(matrix, { k, initial });
      expect(Math.abs(fit.inertia - expected.inertia)).toBeLessThanOrEqual(1e-9 * expected.inertia);
      expect(sizesOf(fit.labels, k)).toEqual(expected.sizes);
      expect(fit.iterations).toBe(expected.iterations);
    },
  );
});

/**
 * Lloyd as written in the books: every row measured against every centroid at every iteration,
 * means recomputed from the rows; stops as fitKMeans documents (no change, or the centroids move
 * less than the tolerance, then one last assignment). No empty cluster arises in these cases.
 */
function plainLloyd(matrix: FeatureMatrix, k: number, seeds: Float64Array) {
  const { values, rows, columns } = matrix;
  const threshold = 1e-4 * meanVariance(matrix);
  let centroids = seeds.slice();
  const labels = new Int32Array(rows).fill(-1);
  const assign = (): number => {
    let changed = 0;
    for (let i = 0; i < rows; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        let d = 0;
        for (let j = 0; j < columns; j++)
          d += (values[i * columns + j]! - centroids[c * columns + j]!) ** 2;
        if (d < bestDistance) [best, bestDistance] = [c, d];
      }
      if (labels[i] !== best) [labels[i], changed] = [best, changed + 1];
    }
    return changed;
  };
  let iterations = 0;
  while (iterations < 300) {
    iterations++;
    if (assign() === 0) break;
    const next = new Float64Array(k * columns);
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < rows; i++) {
      counts[labels[i]!]!++;
      for (let j = 0; j < columns; j++) next[labels[i]! * columns + j]! += values[i * columns + j]!;
    }
    if (counts.includes(0)) throw new Error('an empty cluster: not a case for this check');
    for (let c = 0; c < k; c++)
      for (let j = 0; j < columns; j++) next[c * columns + j]! /= counts[c]!;
    let shift = 0;
    for (let x = 0; x < next.length; x++) shift += (next[x]! - centroids[x]!) ** 2;
    centroids = next;
    if (shift <= threshold) {
      assign();
      break;
    }
  }
  let inertia = 0;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < columns; j++)
      inertia += (values[i * columns + j]! - centroids[labels[i]! * columns + j]!) ** 2;
  return { labels, inertia, iterations };
}

describe('Lloyd with bounds against plain Lloyd from the same k-means++ seeds', () => {
  const cases = [2, 3, 4, 5, 6, 7, 8, 9, 10].flatMap((k) => [0, 1, 2].map((seed) => [k, seed]));
  it.each(cases)('RFM, k = %d, seed %d: the same labels, inertia and iterations', (k, seed) => {
    const seeds = kmeansPlusPlus(rfm, k, seededRandom(seed));
    const plain = plainLloyd(rfm, k, seeds);
    const fit = fitKMeans(rfm, { k, starts: 1, seed });
    expect(fit.iterations).toBe(plain.iterations);
    expect(Array.from(fit.labels)).toEqual(Array.from(plain.labels));
    expect(Math.abs(fit.inertia - plain.inertia)).toBeLessThanOrEqual(1e-10 * plain.inertia);
  });

  it('5 features, k = 6: the same from three seeds', () => {
    for (const seed of [0, 1, 2]) {
      const seeds = kmeansPlusPlus(blobs, 6, seededRandom(seed));
      const plain = plainLloyd(blobs, 6, seeds);
      const fit = fitKMeans(blobs, { k: 6, starts: 1, seed });
      expect(Array.from(fit.labels)).toEqual(Array.from(plain.labels));
      expect(Math.abs(fit.inertia - plain.inertia)).toBeLessThanOrEqual(1e-10 * plain.inertia);
    }
  });

  it('refuses initial centroids of the wrong size', () => {
    expect(() => fitKMeans(rfm, { k: 3, initial: new Float64Array(6) })).toThrow(/initial/);
  });
});
