import { describe, expect, it } from 'vitest';
import { describePersonas } from './describe-personas.js';

// Six customers in three clusters. The effects below were computed by NumPy:
// (Y[L == c].mean(0) - Y.mean(0)) / Y.std(0), Y = X or log1p(X); medians by np.median.
const matrix = {
  values: Float64Array.from([10, 1, 12, 1, 14, 1, 100, 5, 110, 6, 11, 9]),
  rows: 6,
  columns: 2,
};
const labels = Int32Array.from([0, 0, 0, 1, 1, 2]);
const FEATURES = ['spend', 'visits'];

describe('describePersonas', () => {
  it('ranks the features that set each cluster apart by standardized mean difference', () => {
    const personas = describePersonas(matrix, labels, 3, FEATURES, { scale: 'standard' });
    const effects = personas.map((p) =>
      Object.fromEntries(p.traits.map((t) => [t.feature, t.effect])),
    );
    expect(effects[0]?.spend).toBeCloseTo(-0.6996491901, 9);
    expect(effects[0]?.visits).toBeCloseTo(-0.9206016138, 9);
    expect(effects[1]?.spend).toBeCloseTo(1.4106440428, 9);
    expect(effects[1]?.visits).toBeCloseTo(0.5415303611, 9);
    expect(effects[2]?.spend).toBeCloseTo(-0.7223405152, 9);
    expect(effects[2]?.visits).toBeCloseTo(1.6787441193, 9);
    expect(personas.map((p) => p.traits.map((t) => t.feature))).toEqual([
      ['visits', 'spend'],
      ['spend', 'visits'],
      ['visits', 'spend'],
    ]);
    expect(personas.map((p) => p.name)).toEqual([
      'low visits, low spend',
      'high spend, high visits',
      'very high visits, low spend',
    ]);
    expect(personas[1]?.description).toBe(
      'high spend, high visits: 33.3 % of customers; median spend 105, median visits 5.5',
    );
    expect(personas[0]).toMatchObject({ size: 3, share: 0.5, medians: { spend: 12, visits: 1 } });
    expect(personas[0]?.traits[0]).toMatchObject({ clusterMedian: 1, populationMedian: 3 });
  });

  it('measures effects after log1p when the clustering did', () => {
    const personas = describePersonas(matrix, labels, 3, FEATURES, { scale: 'log-standard' });
    const visits = personas[2]?.traits.find((t) => t.feature === 'visits');
    expect(visits?.effect).toBeCloseTo(1.4017077929, 9);
    expect(personas[2]?.name).toBe('high visits, low spend');
    expect(personas[1]?.traits.find((t) => t.feature === 'visits')?.effect).toBeCloseTo(
      0.7612467942,
      9,
    );
  });

  it('leaves out small effects, calls a cluster with none typical and numbers repeated names', () => {
    const flat = {
      values: Float64Array.from([1, 2, 1, 2, 1, 2, 1, 2]),
      rows: 4,
      columns: 2,
    };
    const personas = describePersonas(flat, Int32Array.from([0, 1, 0, 1]), 2, FEATURES, {
      scale: 'standard',
      unit: 'visitors',
    });
    expect(personas.map((p) => p.name)).toEqual(['typical', 'typical (2)']);
    expect(personas[0]?.description).toBe(
      'typical on every feature: 50 % of visitors; median spend 1, median visits 2',
    );
  });
});
