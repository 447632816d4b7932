import { describe, expect, it } from 'vitest';
import { compareRates } from './compare-rates.js';
import { expectClose, expectCloseInterval, reference } from './statistics-reference.fixture.js';
import { twoProportionZTest } from './two-proportion-z-test.js';
import { wilsonInterval } from './wilson-interval.js';

describe('conversion statistics against SciPy (make-statistics-reference.py)', () => {
  it.each(reference.conversion)('$name', ({ control, treatment, expected }) => {
    expectCloseInterval(wilsonInterval(control.conversions, control.users), expected.controlCi);
    expectCloseInterval(
      wilsonInterval(treatment.conversions, treatment.users),
      expected.treatmentCi,
    );
    const test = twoProportionZTest(control, treatment);
    expectClose(test?.z ?? null, expected.z);

    const result = compareRates(control, treatment);
    expectClose(result.pValue, expected.pValue);
    expectClose(result.uplift?.value ?? null, expected.uplift);
    expectCloseInterval(result.uplift?.ci ?? null, expected.upliftCi);
    // Closed-form sums against quadrature of the Beta densities (quad's error is below 1e-12).
    expectClose(result.chanceToBeatControl, expected.chanceToBeatControl, 1e-6, 1e-10);
    expectClose(result.expectedLoss, expected.expectedLoss, 1e-6, 1e-10);
    expectClose(
      result.sequential?.tau2 ?? null,
      expected.sequentialPValue === null ? null : expected.tau2,
    );
    // The reference integrates the mixture numerically: checked to 1e-6 relative.
    expectClose(result.sequential?.pValue ?? null, expected.sequentialPValue);
  });

  it('has no uplift without control conversions, and no uplift interval without treatment conversions', () => {
    expect(
      compareRates({ users: 100, conversions: 0 }, { users: 100, conversions: 5 }).uplift,
    ).toBeNull();
    expect(
      compareRates({ users: 100, conversions: 5 }, { users: 100, conversions: 0 }).uplift,
    ).toEqual({ value: -1, ci: null });
  });

  it('gives the Beta(1, 1) prior answers without users', () => {
    const result = compareRates({ users: 0, conversions: 0 }, { users: 0, conversions: 0 });
    expect(result.pValue).toBeNull();
    expect(result.sequential).toBeNull();
    expect(result.chanceToBeatControl).toBeCloseTo(0.5, 12);
    expect(result.expectedLoss).toBeCloseTo(1 / 6, 12); // E[max(U1 − U2, 0)] for two uniforms
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('uses the tau² it is given', () => {
    const result = compareRates(
      { users: 10_000, conversions: 500 },
      { users: 10_000, conversions: 600 },
      1e-4,
    );
    expect(result.sequential?.tau2).toBe(1e-4);
  });
});
