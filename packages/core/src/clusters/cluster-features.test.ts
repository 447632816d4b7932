import { describe, expect, it } from 'vitest';
import { clusterFeatures } from './cluster-features.js';
import type { FeatureMatrix } from './clusters.schema.js';
import { fitKMeans } from './fit-kmeans.js';
import { fitMiniBatchKMeans } from './fit-mini-batch-kmeans.js';
import { chooseScale, prepareFeatures, restoreUnits } from './prepare-features.js';
import { seededRandom } from './seeded-random.js';
import { silhouetteScore } from './silhouette-score.js';

/** `perCentre` points around each centre, normal noise of standard deviation `spread`. */
function blobs(centres: number[][], perCentre: number, spread: number, seed = 1): FeatureMatrix {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const columns = centres[0]!.length;
  const values = new Float64Array(centres.length * perCentre * columns);
  let at = 0;
  for (const centre of centres)
    for (let i = 0; i < perCentre; i++)
      for (const c of centre) values[at++] = c + spread * normal();
  return { values, rows: centres.length * perCentre, columns };
}

const CENTRES = [
  [0, 0],
  [10, 0],
  [0, 10],
  [10, 10],
];

describe('k-means', () => {
  it('finds well-separated groups, each in one cluster', () => {
    const matrix = blobs(CENTRES, 50, 0.5);
    const fit = fitKMeans(matrix, { k: 4 });
    for (let g = 0; g < 4; g++) {
      const group = new Set(fit.labels.subarray(g * 50, (g + 1) * 50));
      expect(group.size).toBe(1);
    }
    expect(new Set(fit.labels).size).toBe(4);
    expect(fit.converged).toBe(true);
  });

  it('gives the same partition for the same seed', () => {
    const matrix = blobs(CENTRES, 40, 3);
    const a = fitKMeans(matrix, { k: 5, seed: 42 });
    const b = fitKMeans(matrix, { k: 5, seed: 42 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });

  it('more starts never do worse than one', () => {
    const matrix = blobs(CENTRES, 40, 3);
    const one = fitKMeans(matrix, { k: 6, starts: 1, seed: 3 });
    const ten = fitKMeans(matrix, { k: 6, starts: 10, seed: 3 });
    expect(ten.inertia).toBeLessThanOrEqual(one.inertia);
  });

  it('copes with duplicate rows and k equal to the number of distinct rows', () => {
    const values = Float64Array.from([1, 1, 1, 1, 5, 5, 5, 5, 9, 9]);
    const fit = fitKMeans({ values, rows: 10, columns: 1 }, { k: 3 });
    expect(fit.inertia).toBe(0);
    expect(new Set(fit.labels).size).toBe(3);
  });

  it('refuses a k it cannot fit', () => {
    const matrix = blobs(CENTRES, 2, 1);
    expect(() => fitKMeans(matrix, { k: 9 })).toThrow(/k must be/);
    expect(() => fitKMeans(matrix, { k: 0 })).toThrow(/k must be/);
  });
});

describe('mini-batch k-means', () => {
  it('finds the same groups as Lloyd on separated blobs, with an inertia close to it', () => {
    const matrix = blobs(CENTRES, 3000, 1);
    const lloyd = fitKMeans(matrix, { k: 4, starts: 3 });
    const mini = fitMiniBatchKMeans(matrix, { k: 4, batchSize: 256 });
    expect(mini.inertia).toBeLessThan(lloyd.inertia * 1.01);
    for (let g = 0; g < 4; g++)
      expect(new Set(mini.labels.subarray(g * 3000, (g + 1) * 3000)).size).toBe(1);
  });
});

describe('silhouette', () => {
  it('on a sample is close to the exact one, and reproducible', () => {
    const matrix = blobs(CENTRES, 500, 2);
    const { labels } = fitKMeans(matrix, { k: 4 });
    const exact = silhouetteScore(matrix, labels, 4);
    const sampled = silhouetteScore(matrix, labels, 4, { sampleSize: 600, seed: 5 });
    expect(Math.abs(sampled - exact)).toBeLessThan(0.03);
    expect(silhouetteScore(matrix, labels, 4, { sampleSize: 600, seed: 5 })).toBe(sampled);
  });

  it('needs two clusters', () => {
    const matrix = blobs(CENTRES, 5, 1);
    expect(() => silhouetteScore(matrix, new Int32Array(20), 1)).toThrow(/2 clusters/);
  });
});

describe('preparation', () => {
  const matrix = {
    values: Float64Array.from([0, 10, 1, 100, 3, 1000, 7, 10000]),
    rows: 4,
    columns: 2,
  };

  it('log-standard: log1p, mean 0, standard deviation 1; centroids back in the original units', () => {
    const prepared = prepareFeatures(matrix, 'log-standard');
    if (!prepared.ok) throw new Error(prepared.error);
    const { values } = prepared.value.matrix;
    const first = [0, 2, 4, 6].map((i) => values[i]!);
    expect(first.reduce((a, b) => a + b) / 4).toBeCloseTo(0, 12);
    expect(first.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 12);
    const restored = restoreUnits(values, prepared.value.preparation);
    Array.from(matrix.values).forEach((v, i) => {
      expect(restored[i]).toBeCloseTo(v, 8);
    });
  });

  it('refuses log1p of values at or below -1', () => {
    const bad = { values: Float64Array.from([1, -1]), rows: 2, columns: 1 };
    expect(prepareFeatures(bad, 'log-standard')).toEqual({
      ok: false,
      error: expect.stringMatching(/row 2, feature 1 is -1/),
    });
  });

  it('auto: log-standard for skewed non-negative features, standard otherwise', () => {
    expect(chooseScale(matrix)).toBe('log-standard');
    expect(chooseScale({ values: Float64Array.from([1, 2, 3, 4]), rows: 4, columns: 1 })).toBe(
      'standard',
    );
    expect(chooseScale({ values: Float64Array.from([-1, 0, 0, 90]), rows: 4, columns: 1 })).toBe(
      'standard',
    );
  });
});

describe('clusterFeatures', () => {
  it('chooses k by silhouette, numbers clusters by size and gives centroids in the original units', () => {
    // Three groups; the one around (0, 10) twice as big as the others.
    const three = blobs(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      40,
      0.5,
    );
    const values = new Float64Array([...three.values, ...blobs([[0, 10]], 40, 0.5, 7).values]);
    const result = clusterFeatures({ values, rows: 160, columns: 2 }, { k: 'auto', scale: 'none' });
    if (!result.ok) throw new Error(result.error);
    const { k, sizes, centroids, labels, candidates } = result.value;
    expect(k).toBe(3);
    expect(sizes).toEqual([80, 40, 40]);
    expect(labels[150]).toBe(0);
    expect(centroids[0]![0]).toBeCloseTo(0, 0);
    expect(centroids[0]![1]).toBeCloseTo(10, 0);
    expect(candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('uses mini-batch above the threshold', () => {
    const result = clusterFeatures(blobs(CENTRES, 100, 1), { k: 4, miniBatchFrom: 300 });
    expect(result.ok && result.value.algorithm).toBe('mini-batch');
  });

  // k-means and mixtures leave a cluster empty (no silhouette); Ward splits the alike rows
  // (silhouette 0, as scikit-learn's). Either used to throw "needs at least 2 clusters".
  it.each([
    ['kmeans', null],
    ['gmm', null],
    ['ward', 0],
  ] as const)('clusters rows that are all alike (%s): silhouette %s', (method, silhouette) => {
    const matrix = { values: new Float64Array(8).fill(5), rows: 4, columns: 2 };
    for (const k of ['auto', 2] as const) {
      const result = clusterFeatures(matrix, { k, method });
      if (!result.ok) throw new Error(result.error);
      expect(result.value.silhouette).toBe(silhouette);
      expect(result.value.sizes.reduce((a, b) => a + b, 0)).toBe(4);
      expect(result.value.centroids[0]).toEqual([5, 5]);
    }
  });

  it.each([
    [{ k: 5 }, 4, /k \(5\) is larger than the number of rows \(4\)/],
    [{ k: 'auto' as const }, 2, /automatic k needs at least 3 rows/],
  ])('explains why it cannot cluster (%o, %d rows)', (options, rows, message) => {
    const matrix = { values: new Float64Array(rows * 2).map((_, i) => i), rows, columns: 2 };
    const result = clusterFeatures(matrix, { scale: 'none', ...options });
    expect(result.ok ? '' : result.error).toMatch(message);
  });
});
