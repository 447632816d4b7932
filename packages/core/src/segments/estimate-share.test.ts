import { describe, expect, it } from 'vitest';
import { estimateShare, shareInterval } from './estimate-share.js';

// [hits, sampled, population, low, high]: statsmodels 0.14 proportion_confint(method='wilson',
// alpha=0.05) given the effective sample n·(N−1)/(N−n) and hits scaled to it (the finite
// population correction); a population of 10^9 is the uncorrected interval.
const STATSMODELS: [number, number, number, number, number][] = [
  [0, 1000, 1e9, 0.0, 0.0038267547],
  [37, 1000, 1e9, 0.0269611851, 0.0505823897],
  [500, 1000, 1e9, 0.4690696158, 0.5309303842],
  [1000, 1000, 1e9, 0.9961732453, 1.0],
  [37, 1000, 5000, 0.0278736921, 0.0489639077],
  [120, 1000, 1500, 0.1088513013, 0.1321212713],
  [3, 20, 1_000_000, 0.0523692391, 0.3604165739],
];

describe('estimateShare', () => {
  it.each(STATSMODELS)(
    '%i of %i of %i: the Wilson interval as statsmodels computes it',
    (hits, n, pop, low, high) => {
      const [l, h] = shareInterval(hits, n, pop);
      expect(l).toBeCloseTo(low, 8);
      expect(h).toBeCloseTo(high, 8);
    },
  );

  it('counts people, no fewer than the sample found, no more than it leaves room for', () => {
    expect(estimateShare(37, 1000, 5000)).toEqual({
      share: 0.037,
      estimate: 185,
      low: Math.floor(0.0278736921 * 5000),
      high: Math.ceil(0.0489639077 * 5000),
    });
    // 0 found: the interval starts at 0 people; all found: it ends at the population.
    expect(estimateShare(0, 1000, 1e6).low).toBe(0);
    expect(estimateShare(1000, 1000, 1e6).high).toBe(1e6);
    const nearly = estimateShare(999, 1000, 1001);
    expect(nearly.low).toBeGreaterThanOrEqual(999);
    expect(nearly.high).toBeLessThanOrEqual(1000);
  });

  it('is exact once the whole population was evaluated, and empty with nobody', () => {
    expect(estimateShare(12, 40, 40)).toEqual({ share: 0.3, estimate: 12, low: 12, high: 12 });
    expect(estimateShare(0, 0, 0)).toEqual({ share: 0, estimate: 0, low: 0, high: 0 });
  });
});
