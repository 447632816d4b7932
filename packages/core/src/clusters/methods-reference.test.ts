import { describe, expect, it } from 'vitest';
import { clusterFeatures } from './cluster-features.js';
import { fitDbscan } from './fit-dbscan.js';
import { fitGaussianMixture } from './fit-gaussian-mixture.js';
import { fitWard, WARD_MAX_ROWS } from './fit-ward.js';
import { matchClusters } from './match-clusters.js';
import { canonical, matrixOf, readMethodsReference } from './methods.fixture.js';
import { readRfm } from './online-retail.fixture.js';
import { prepareFeatures } from './prepare-features.js';
import { silhouetteScore } from './silhouette-score.js';

const reference = readMethodsReference();
const blobs = matrixOf(reference.blobs.points);
const rfmSample = (() => {
  const { matrix } = readRfm();
  const rows = reference.rfm_sample.rows;
  const sample = { values: matrix.values.slice(0, rows * 3), rows, columns: 3 };
  const prepared = prepareFeatures(sample, 'log-standard');
  if (!prepared.ok) throw new Error(prepared.error);
  return prepared.value.matrix;
})();

describe('DBSCAN against scikit-learn (make-methods-reference.py)', () => {
  it.each(reference.blobs.dbscan.map((c) => [c.eps, c.min_samples, c] as const))(
    'blobs, eps %d, min_samples %d: the same labels, noise included',
    (eps, minSamples, expected) => {
      const fit = fitDbscan(blobs, { eps, minSamples });
      expect(Array.from(fit.labels)).toEqual(expected.labels);
      expect(fit.k).toBe(Math.max(...expected.labels) + 1);
    },
  );

  it('600 RFM customers (log-standard), eps 0.5, min_samples 10: the same labels', () => {
    const { eps, min_samples: minSamples, labels } = reference.rfm_sample.dbscan;
    expect(Array.from(fitDbscan(rfmSample, { eps, minSamples }).labels)).toEqual(labels);
  });
});

describe('Ward hierarchical clustering against AgglomerativeClustering(linkage=ward)', () => {
  it.each(reference.blobs.ward.map((c) => [c.k, c] as const))(
    'blobs, k %d: the same partition',
    (k, expected) => {
      expect(canonical(fitWard(blobs, k).labels)).toEqual(canonical(expected.labels));
    },
  );

  it.each(reference.rfm_sample.ward.map((c) => [c.k, c] as const))(
    '600 RFM customers, k %d: the same partition',
    (k, expected) => {
      expect(canonical(fitWard(rfmSample, k).labels)).toEqual(canonical(expected.labels));
    },
  );

  it('merges rows − 1 times at non-decreasing heights', () => {
    const { merges } = fitWard(blobs, 3);
    expect(merges).toHaveLength(blobs.rows - 1);
    merges.slice(1).forEach((m, i) => {
      expect(m.height).toBeGreaterThanOrEqual(merges[i]!.height);
    });
  });
});

describe('clusterFeatures with method ward or dbscan', () => {
  it("ward: scikit-learn's partition, centroids the members' means in original units", () => {
    const result = clusterFeatures(blobs, { method: 'ward', k: 3, scale: 'none' });
    if (!result.ok) throw new Error(result.error);
    const clustering = result.value;
    const expected = reference.blobs.ward.find((c) => c.k === 3)!.labels;
    expect(canonical(clustering.labels)).toEqual(canonical(expected));
    expect(clustering).toMatchObject({ method: 'ward', algorithm: null, noise: 0, k: 3 });
    const members = reference.blobs.points.filter((_, i) => clustering.labels[i] === 0);
    expect(clustering.sizes[0]).toBe(members.length);
    expect(clustering.centroids[0]![0]).toBeCloseTo(
      members.reduce((sum, p) => sum + p[0]!, 0) / members.length,
      10,
    );
    expect(clustering.silhouette).toBeCloseTo(
      silhouetteScore(blobs, Int32Array.from(expected), 3),
      10,
    );
  });

  it('ward with k auto cuts one tree at each k and keeps the best silhouette', () => {
    const result = clusterFeatures(blobs, { method: 'ward', k: 'auto', scale: 'none' });
    if (!result.ok) throw new Error(result.error);
    const { candidates, k, silhouette } = result.value;
    expect(candidates.map((c) => c.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(silhouette).toBe(Math.max(...candidates.map((c) => c.silhouette)));
    expect(candidates.find((c) => c.k === k)!.silhouette).toBe(silhouette);
  });

  it('ward refuses more rows than it can hold pairs for', () => {
    const rows = WARD_MAX_ROWS + 1;
    const big = { values: new Float64Array(rows * 2).map((_, i) => i % 7), rows, columns: 2 };
    const result = clusterFeatures(big, { method: 'ward', k: 2, scale: 'none' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/at most 5000 rows/);
  });

  it("dbscan: DBSCAN's clusters and noise, numbered by size; the silhouette leaves noise out", () => {
    const { eps, min_samples: minSamples, labels } = reference.blobs.dbscan[0]!;
    const result = clusterFeatures(blobs, {
      method: 'dbscan',
      eps,
      minSamples,
      k: 'auto',
      scale: 'none',
    });
    if (!result.ok) throw new Error(result.error);
    const clustering = result.value;
    const noise = labels.filter((l) => l === -1).length;
    expect(clustering.noise).toBe(noise);
    expect(clustering.k).toBe(Math.max(...labels) + 1);
    expect(clustering.sizes.reduce((a, b) => a + b, 0)).toBe(labels.length - noise);
    expect(canonical(clustering.labels)).toEqual(canonical(labels));
    const kept = labels.flatMap((l, i) => (l >= 0 ? [i] : []));
    const clustered = matrixOf(kept.map((i) => reference.blobs.points[i]!));
    expect(clustering.silhouette).toBeCloseTo(
      silhouetteScore(
        clustered,
        Int32Array.from(kept, (i) => labels[i]!),
        clustering.k,
      ),
      10,
    );
  });

  it('dbscan rejects a radius that is not positive', () => {
    const result = clusterFeatures(blobs, { method: 'dbscan', eps: 0, k: 'auto' });
    expect(result.ok).toBe(false);
  });
});

describe('Gaussian mixtures against GaussianMixture(covariance_type=full, n_init=3)', () => {
  const groups = matrixOf(reference.blobs.points.slice(0, 75));

  // EM finds local optima: ours must do at least as well as scikit-learn's, to 1 %. On k 1-4 it
  // is within 1 % either way; on k 5 (more components than groups) it finds a higher likelihood
  // (-3.067 against -3.147).
  it.each(reference.blobs.gmm.map((c) => [c.k, c] as const))(
    'three groups, k %d: a mean log-likelihood no lower and a BIC no higher than 1 % off',
    (k, expected) => {
      const fit = fitGaussianMixture(groups, { k, seed: 0 });
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(
        expected.log_likelihood - 0.01 * Math.abs(expected.log_likelihood),
      );
      expect(fit.bic).toBeLessThanOrEqual(expected.bic * 1.01);
      if (k <= 4) expect(Math.abs(fit.bic - expected.bic)).toBeLessThanOrEqual(0.01 * expected.bic);
    },
  );

  it("the lowest BIC picks scikit-learn's k", () => {
    const bics = reference.blobs.gmm.map((c) => fitGaussianMixture(groups, { k: c.k }).bic);
    expect(bics.indexOf(Math.min(...bics)) + 1).toBe(reference.blobs.gmm_best_k);
  });
});

describe('clusterFeatures with method gmm', () => {
  it("chooses k by the lowest BIC (scikit-learn's k on three groups), reporting each k's BIC", () => {
    const groups = matrixOf(reference.blobs.points.slice(0, 75));
    const result = clusterFeatures(groups, { method: 'gmm', k: 'auto', scale: 'none' });
    if (!result.ok) throw new Error(result.error);
    const clustering = result.value;
    expect(clustering).toMatchObject({ method: 'gmm', algorithm: null, noise: 0 });
    expect(clustering.k).toBe(reference.blobs.gmm_best_k);
    const bics = clustering.candidates.map((c) => c.bic!);
    expect(clustering.bic).toBe(Math.min(...bics));
    const expected = reference.blobs.gmm.find((c) => c.k === clustering.k)!;
    expect(Math.abs(clustering.bic! - expected.bic)).toBeLessThanOrEqual(0.01 * expected.bic);
    expect(clustering.sizes.reduce((a, b) => a + b, 0)).toBe(75);
  });
});

describe("matching clusters across retraining against scipy's linear_sum_assignment", () => {
  it.each(reference.matching.map((c) => [c.previous.length, c.next.length, c] as const))(
    '%d previous, %d new centroids: the same pairs, -1 for new clusters',
    (_, __, expected) => {
      expect(Array.from(matchClusters(expected.previous, expected.next))).toEqual(expected.match);
    },
  );

  it('keeps each cluster when the new centroids are the old ones moved a little and shuffled', () => {
    const previous = [
      [0, 0],
      [10, 0],
      [0, 10],
    ];
    const next = [
      [0.4, 9.7],
      [0.2, -0.1],
      [9.9, 0.3],
    ];
    expect(Array.from(matchClusters(previous, next))).toEqual([2, 0, 1]);
    expect(Array.from(matchClusters([], next))).toEqual([-1, -1, -1]);
  });
});
