import { describe, expect, it } from 'vitest';
import { alwaysValidPValue } from './always-valid-p-value.js';
import { expectClose, reference } from './statistics-reference.fixture.js';

describe('alwaysValidPValue against the closed form of Johari, Pekelis & Walsh (2017) and quadrature', () => {
  it.each(reference.msprt)(
    'n = $n, V = $v, d = $difference, τ² = $tau2',
    ({ difference, variance, tau2, pValue }) => {
      expectClose(alwaysValidPValue(difference, variance, tau2), pValue);
    },
  );

  it('is 1 with no difference and null without variance or mixture', () => {
    expect(alwaysValidPValue(0, 0.01, 0.001)).toBe(1);
    expect(alwaysValidPValue(0.1, 0, 0.001)).toBeNull();
    expect(alwaysValidPValue(0.1, 0.01, 0)).toBeNull();
  });

  it('is more conservative than the fixed-horizon z test', () => {
    // d/s = 3: fixed-horizon p = 0.0027; the always-valid p-value must be larger.
    expect(alwaysValidPValue(0.03, 1e-4, 1e-3)).toBeGreaterThan(0.0027);
  });

  it('does not overflow on overwhelming evidence', () => {
    expect(alwaysValidPValue(1, 1e-6, 1)).toBe(0);
  });
});
