import { describe, expect, it } from 'vitest';
import { clusterFeatures } from './cluster-features.js';
import { fitKMeans } from './fit-kmeans.js';
import { fitMiniBatchKMeans } from './fit-mini-batch-kmeans.js';
import { readClustersReference, readRfm } from './online-retail.fixture.js';
import { prepareFeatures } from './prepare-features.js';
import { silhouetteSamples, silhouetteScore } from './silhouette-score.js';

const reference = readClustersReference();

/** |actual − expected| within `relative` of |expected|. */
function expectWithin(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));
}

describe('silhouette against scikit-learn (make-clusters-reference.py)', () => {
  it('equals silhouette_score and silhouette_samples on a fixed set of 30 points', () => {
    const { points, labels, silhouette, samples } = reference.small;
    const matrix = { values: Float64Array.from(points.flat()), rows: points.length, columns: 2 };
    const partition = Int32Array.from(labels);
    expectWithin(silhouetteScore(matrix, partition, 3), silhouette, 1e-12);
    const mine = silhouetteSamples(matrix, partition, 3);
    samples.forEach((s, i) => {
      expect(mine[i]).toBeCloseTo(s, 12);
    });
  });

  it("equals silhouette_score of scikit-learn's own partition of the RFM table", () => {
    const { matrix } = readRfm();
    const prepared = prepareFeatures(matrix, 'log-standard');
    if (!prepared.ok) throw new Error(prepared.error);
    const { rfm } = reference;
    const labels = Int32Array.from(rfm.best_labels);
    const expected = rfm.by_k.find((c) => c.k === rfm.best_k)!;
    expectWithin(
      silhouetteScore(prepared.value.matrix, labels, rfm.best_k),
      expected.silhouette,
      1e-10,
    );
  });
});

describe('k-means on the Online Retail RFM table against KMeans(n_init=10)', () => {
  const { matrix } = readRfm();
  const { rfm } = reference;

  it('prepares log1p then standardized, as StandardScaler', () => {
    const prepared = prepareFeatures(matrix, 'log-standard');
    if (!prepared.ok) throw new Error(prepared.error);
    expect(matrix.rows).toBe(rfm.rows);
    rfm.mean.forEach((m, j) => {
      expectWithin(prepared.value.preparation.mean[j]!, m, 1e-12);
    });
    rfm.std.forEach((s, j) => {
      expectWithin(prepared.value.preparation.std[j]!, s, 1e-12);
    });
  });

  it.each(rfm.by_k.map((c) => [c.k, c] as const))(
    'k = %d: inertia within 1 %% of scikit-learn',
    (k, expected) => {
      const prepared = prepareFeatures(matrix, 'log-standard');
      if (!prepared.ok) throw new Error(prepared.error);
      const fit = fitKMeans(prepared.value.matrix, { k, starts: 10, seed: 0 });
      expectWithin(fit.inertia, expected.inertia, 0.01);
    },
  );

  it("chooses scikit-learn's k by silhouette, with silhouette and inertia within 1 %", () => {
    const result = clusterFeatures(matrix, { k: 'auto', scale: 'log-standard' });
    if (!result.ok) throw new Error(result.error);
    const clustering = result.value;
    const expected = rfm.by_k.find((c) => c.k === rfm.best_k)!;
    expect(clustering.k).toBe(rfm.best_k);
    expectWithin(clustering.silhouette!, expected.silhouette, 0.01);
    expectWithin(clustering.inertia, expected.inertia, 0.01);
    expect(clustering.candidates.map((c) => c.k)).toEqual(rfm.by_k.map((c) => c.k));
    clustering.candidates.forEach((c, i) => {
      expectWithin(c.silhouette, rfm.by_k[i]!.silhouette, 0.02);
    });
  });

  // Mini-batch trades a few per cent of inertia for speed, in scikit-learn as here: both within
  // 1-8 % of full k-means on this table; ours within 5 % of MiniBatchKMeans(n_init=3)'s.
  it.each(rfm.by_k.map((c) => [c.k, c] as const))(
    'k = %d: mini-batch inertia within 5 %% of MiniBatchKMeans',
    (k, expected) => {
      const prepared = prepareFeatures(matrix, 'log-standard');
      if (!prepared.ok) throw new Error(prepared.error);
      const fit = fitMiniBatchKMeans(prepared.value.matrix, { k, seed: 0 });
      expect(fit.inertia).toBeGreaterThanOrEqual(expected.inertia * 0.999);
      expect(fit.inertia).toBeLessThanOrEqual(expected.mini_batch_inertia * 1.05);
    },
  );
});
