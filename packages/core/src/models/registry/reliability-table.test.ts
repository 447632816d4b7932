import { describe, expect, it } from 'vitest';
import { reliabilityTable } from './reliability-table.js';

// Recorded from scikit-learn 1.2 (Debian): calibration_curve(y, p, n_bins=10, strategy='uniform'),
// p = round(RandomState(7).beta(2, 3, 40), 4) with p[0..3] = 0.3, 0, 1, 0.1 (edges and ends),
// y = RandomState(7).rand(40) < p; counts from searchsorted(linspace(0, 1, 11)[1:-1], p).
const p = [
  0.3, 0.0, 1.0, 0.1, 0.2233, 0.4195, 0.0787, 0.6039, 0.6824, 0.5039, 0.6623, 0.0751, 0.2753,
  0.6812, 0.4885, 0.6389, 0.0946, 0.2566, 0.1644, 0.5697, 0.5428, 0.0719, 0.2501, 0.5195, 0.6123,
  0.4264, 0.2515, 0.0669, 0.2222, 0.1926, 0.4814, 0.3605, 0.2382, 0.3875, 0.5364, 0.3948, 0.4097,
  0.2194, 0.6835, 0.3261,
];
const y = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0,
  0, 1, 0, 0, 0, 1, 0,
] as (0 | 1)[];
const probTrue = [
  0.14285714285714285, 0.0, 0.1111111111111111, 0.0, 0.2, 0.4, 0.42857142857142855, 0.0,
];
const probPred = [
  0.06960000000000001, 0.1785, 0.24851111111111107, 0.367225, 0.44510000000000005,
  0.5344599999999999, 0.6520714285714285, 1.0,
];
const counts = [7, 2, 9, 4, 5, 5, 7, 0, 0, 1];

describe('reliabilityTable', () => {
  it("matches scikit-learn's calibration_curve, edges included", () => {
    const table = reliabilityTable(p, y);
    expect(table.map((b) => b.count)).toEqual(counts.filter((c) => c > 0));
    table.forEach((bin, i) => {
      expect(bin.observedRate).toBeCloseTo(probTrue[i] as number, 12);
      expect(bin.meanPredicted).toBeCloseTo(probPred[i] as number, 12);
    });
    expect(table.map((b) => b.from)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9]);
  });

  it('is empty without predictions', () => {
    expect(reliabilityTable([], [])).toEqual([]);
  });
});
