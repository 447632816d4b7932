import { describe, expect, it } from 'vitest';
import { betaChanceToBeat, betaExpectedLoss } from './beta-posterior.js';

// The values themselves are checked against quadrature in compare-rates.test.ts.
describe('betaChanceToBeat and betaExpectedLoss', () => {
  it('agree whichever of the four parameters the sum runs over', () => {
    // Each pair puts the smallest parameter in a different place: α_t, α_c, β_c, β_t.
    const cases = [
      [
        { users: 900, conversions: 400 },
        { users: 1000, conversions: 3 },
      ],
      [
        { users: 900, conversions: 2 },
        { users: 1000, conversions: 400 },
      ],
      [
        { users: 900, conversions: 897 },
        { users: 1000, conversions: 400 },
      ],
      [
        { users: 900, conversions: 400 },
        { users: 1000, conversions: 996 },
      ],
    ] as const;
    for (const [c, t] of cases) {
      expect(betaChanceToBeat(c, t) + betaChanceToBeat(t, c)).toBeCloseTo(1, 12);
      // E[max(C − T, 0)] − E[max(T − C, 0)] = E[C] − E[T]
      const meanGap = (1 + c.conversions) / (2 + c.users) - (1 + t.conversions) / (2 + t.users);
      expect(betaExpectedLoss(c, t) - betaExpectedLoss(t, c)).toBeCloseTo(meanGap, 12);
    }
  });

  it('stays finite and fast with millions of units', () => {
    const control = { users: 5_000_000, conversions: 2_500_000 };
    const treatment = { users: 5_000_000, conversions: 2_502_000 };
    const started = performance.now();
    const chance = betaChanceToBeat(control, treatment);
    const loss = betaExpectedLoss(control, treatment);
    expect(performance.now() - started).toBeLessThan(5_000);
    // Normal approximation: d = 0.0004, s = √(2 · 0.25 / 5e6) = 0.000316; Φ(1.265) = 0.897.
    expect(chance).toBeCloseTo(0.897, 3);
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(1e-4);
  });
});
