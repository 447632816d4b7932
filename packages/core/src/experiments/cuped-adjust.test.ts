import { describe, expect, it } from 'vitest';
import { compareMeans } from './compare-means.js';
import { cupedAdjust } from './cuped-adjust.js';
import { meanInterval } from './mean-moments.js';
import { expectClose, expectCloseInterval, reference } from './statistics-reference.fixture.js';

describe('cupedAdjust against the adjusted raw values (make-statistics-reference.py)', () => {
  it.each(reference.cuped)('$name', ({ theta, variants }) => {
    const result = cupedAdjust(variants.map((v) => v.sums));
    expect(result).not.toBeNull();
    expectClose(result?.theta ?? null, theta);
    const control = result!.variants[0]!;
    variants.forEach((expected, i) => {
      const adjusted = result!.variants[i]!;
      expectClose(adjusted.mean, expected.mean);
      expectClose(adjusted.variance, expected.variance);
      expectClose(adjusted.varianceReduction, expected.varianceReduction);
      expectCloseInterval(meanInterval(adjusted), expected.ci);
      if (i === 0) return;
      const comparison = compareMeans(control, adjusted);
      expectClose(comparison.pValue, expected.pValue ?? null);
      expectClose(comparison.uplift?.value ?? null, expected.uplift ?? null);
      expectCloseInterval(comparison.uplift?.ci ?? null, expected.upliftCi ?? null);
      expectClose(comparison.chanceToBeatControl, expected.chanceToBeatControl ?? null);
      expectClose(comparison.expectedLoss, expected.expectedLoss ?? null, 1e-6, 1e-10);
    });
  });

  it('is null when the covariate does not vary within any variant', () => {
    const flat = { n: 3, sum: 6, sumSquares: 14, sumPre: 3, sumPreSquares: 3, sumCross: 6 };
    expect(cupedAdjust([flat, flat])).toBeNull();
  });

  it('keeps a variant without units', () => {
    const result = cupedAdjust([
      { n: 3, sum: 6, sumSquares: 14, sumPre: 6, sumPreSquares: 14, sumCross: 14 },
      { n: 0, sum: 0, sumSquares: 0, sumPre: 0, sumPreSquares: 0, sumCross: 0 },
    ]);
    expect(result?.theta).toBe(1);
    expect(result?.variants[1]).toEqual({
      n: 0,
      mean: null,
      variance: null,
      varianceReduction: null,
    });
  });
});
