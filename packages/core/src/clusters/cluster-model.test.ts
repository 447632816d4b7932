import { describe, expect, it } from 'vitest';
import { clusterFeatures } from './cluster-features.js';
import { clusterModel } from './cluster-model.js';
import type { FeatureMatrix } from './clusters.schema.js';
import { canonical } from './methods.fixture.js';
import { inClusterOf, nearestCluster } from './nearest-cluster.js';
import { readClustersReference, readRfm } from './online-retail.fixture.js';

const FEATURES = [
  { path: 'computed.rfm.recency', name: 'recency' },
  { path: 'computed.rfm.frequency', name: 'frequency' },
  { path: 'computed.rfm.monetary', name: 'monetary' },
];

function train(
  matrix: FeatureMatrix,
  k: number,
  previous?: ReturnType<typeof clusterModel>['model'],
) {
  const fit = clusterFeatures(matrix, { k, scale: 'log-standard' });
  if (!fit.ok) throw new Error(fit.error);
  return clusterModel({
    clustering: 'rfm',
    definitionVersion: 1,
    features: FEATURES,
    matrix,
    fit: fit.value,
    previous,
    trainedAt: '2026-12-05T12:00:00.000Z',
    skipped: 0,
    unit: 'customers',
  });
}

const rowScope = (matrix: FeatureMatrix, i: number) => ({
  computed: {
    rfm: {
      recency: matrix.values[i * 3],
      frequency: matrix.values[i * 3 + 1],
      monetary: matrix.values[i * 3 + 2],
    },
  },
});

describe('a trained clustering model', () => {
  const { matrix } = readRfm();

  it("assigns every customer to the cluster training put them in, which is scikit-learn's partition", () => {
    const { model, ids } = train(matrix, 2);
    expect(model).toMatchObject({ k: 2, rows: 4338, scale: 'log-standard', training: 1 });
    expect(model.clusters.map((c) => c.id)).toEqual([0, 1]);
    expect(model.clusters.map((c) => c.size)).toEqual([2670, 1668]);
    const assigned = Int32Array.from({ length: matrix.rows }, (_, i) => {
      const cluster = nearestCluster(model, rowScope(matrix, i));
      return cluster?.id ?? -2;
    });
    expect(Array.from(assigned)).toEqual(Array.from(ids));
    // KMeans(n_init=10).fit(X).labels_ from scikit-learn 1.2.1 on the same prepared table.
    expect(canonical(assigned)).toEqual(canonical(readClustersReference().rfm.best_labels));
  });

  it('leaves out a person with a missing feature, one who refused analytics, and a value log1p cannot take', () => {
    const { model } = train(matrix, 2);
    const person = rowScope(matrix, 0);
    expect(nearestCluster(model, person)).toBeDefined();
    expect(
      nearestCluster(model, { computed: { rfm: { recency: 3, frequency: 2 } } }),
    ).toBeUndefined();
    expect(nearestCluster(model, { ...person, consent: { analytics: false } })).toBeUndefined();
    expect(
      nearestCluster(model, { computed: { rfm: { recency: 3, frequency: 2, monetary: -1 } } }),
    ).toBeUndefined();
    expect(
      nearestCluster(model, { computed: { rfm: { recency: 3, frequency: '2', monetary: 10 } } }),
    ).toBeUndefined();
    const inCluster = inClusterOf(new Map([['rfm', model]]), person);
    const name = nearestCluster(model, person)?.name ?? '';
    expect(inCluster('rfm', name)).toBe(true);
    expect(inCluster('rfm', 'someone else')).toBe(false);
    expect(inCluster('other', name)).toBe(false);
  });

  it('keeps ids and names across retraining; a cluster that is new takes the next id and its default name', () => {
    const first = train(matrix, 2).model;
    const named = {
      ...first,
      clusters: first.clusters.map((c) =>
        c.id === 1 ? { ...c, name: 'champions', renamed: true } : c,
      ),
    };
    // Trained again on most of the customers: the same two clusters, moved a little.
    const rows = 4000;
    const part = { values: matrix.values.subarray(0, rows * 3), rows, columns: 3 };
    const second = train(part, 2, named).model;
    expect(second.training).toBe(2);
    expect(second.clusters.map((c) => [c.id, c.name, c.renamed])).toEqual([
      [0, first.clusters[0]?.name, false],
      [1, 'champions', true],
    ]);
    // The champions' centroid moved little: matched by least distance, not by size or order.
    const before = named.clusters[1]?.centroid.monetary ?? 0;
    const after = second.clusters[1]?.centroid.monetary ?? 0;
    expect(Math.abs(after - before) / before).toBeLessThan(0.1);

    // k grows to 4: two clusters continue (ids 0 and 1, the name kept), two are new (ids 2 and 3).
    const third = train(matrix, 4, second).model;
    expect(third.clusters.map((c) => c.id)).toEqual([0, 1, 2, 3]);
    expect(third.clusters.filter((c) => c.renamed).map((c) => c.name)).toEqual(['champions']);
    expect(new Set(third.clusters.map((c) => c.name)).size).toBe(4);
    // Another feature list: nothing carries over.
    const other = train(matrix, 2, { ...second, features: second.features.slice(0, 2) }).model;
    expect(other.clusters.some((c) => c.name === 'champions')).toBe(false);
    expect(other.clusters.map((c) => c.id)).toEqual([2, 3]);
  });
});
