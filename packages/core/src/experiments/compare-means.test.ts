import { describe, expect, it } from 'vitest';
import { compareMeans } from './compare-means.js';
import { meanInterval, meanMoments } from './mean-moments.js';
import { expectClose, expectCloseInterval, reference } from './statistics-reference.fixture.js';
import { welchTTest } from './welch-t-test.js';

describe('mean statistics against SciPy (make-statistics-reference.py)', () => {
  it.each(reference.means)('$name', ({ control, treatment, expected }) => {
    const c = meanMoments(control);
    const t = meanMoments(treatment);
    expectClose(c.mean, expected.controlMean);
    expectClose(t.mean, expected.treatmentMean);
    expectCloseInterval(meanInterval(c), expected.controlCi);
    expectCloseInterval(meanInterval(t), expected.treatmentCi);
    const test = welchTTest(c, t);
    expectClose(test?.t ?? null, expected.t);
    expectClose(test?.df ?? null, expected.df);

    const result = compareMeans(c, t);
    expectClose(result.pValue, expected.pValue);
    expectClose(result.uplift?.value ?? null, expected.uplift);
    expectCloseInterval(result.uplift?.ci ?? null, expected.upliftCi);
    expectClose(result.chanceToBeatControl, expected.chanceToBeatControl);
    // Closed form against quadrature of the normal tail.
    expectClose(result.expectedLoss, expected.expectedLoss, 1e-6, 1e-10);
    expectClose(result.sequential?.tau2 ?? null, expected.tau2);
    expectClose(result.sequential?.pValue ?? null, expected.sequentialPValue);
  });

  it('has nothing to say about variants without units', () => {
    const empty = meanMoments({ n: 0, sum: 0, sumSquares: 0 });
    expect(empty).toEqual({ n: 0, mean: null, variance: null });
    expect(meanInterval(empty)).toBeNull();
    expect(compareMeans(empty, meanMoments({ n: 3, sum: 6, sumSquares: 14 }))).toEqual({
      uplift: null,
      pValue: null,
      chanceToBeatControl: null,
      expectedLoss: null,
      sequential: null,
    });
  });
});
