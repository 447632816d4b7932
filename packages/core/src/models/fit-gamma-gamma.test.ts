import { describe, expect, it } from 'vitest';
import { CALIBRATION_END, readCdnow, WEEK } from './cdnow.fixture.js';
import { expectedSpend } from './expected-spend.js';
import { fitGammaGamma } from './fit-gamma-gamma.js';
import { summarizeTransactions } from './summarize-transactions.js';

describe('fitGammaGamma on the CDNOW sample (Fader, Hardie & Lee 2005b)', () => {
  const customers = summarizeTransactions(readCdnow(), CALIBRATION_END, WEEK);
  const fit = fitGammaGamma(customers);

  it('fits on the 946 customers with repeat purchases', () => {
    expect(customers.filter((c) => c.x > 0)).toHaveLength(946);
    expect(fit.converged).toBe(true);
  });

  it.each([
    ['p', 6.25],
    ['q', 3.74],
    ['gamma', 15.44],
  ] as const)('reproduces the published %s = %s to 2 decimals', (name, published) => {
    expect(fit.params[name].toFixed(2)).toBe(published.toFixed(2));
  });

  it.each([
    ['no repeat purchase: the population mean γp/(q−1)', 0, 0, (15.44 * 6.25) / 2.74],
    ['one repeat of $30: pulled toward the mean', 1, 30, ((15.44 + 30) * 6.25) / (6.25 + 2.74)],
    ['many repeats: close to their own mean', 100, 30, ((15.44 + 3000) * 6.25) / (625 + 2.74)],
  ])('expected spend with %s', (_, x, meanSpend, expected) => {
    const spend = expectedSpend({ p: 6.25, q: 3.74, gamma: 15.44 }, { x, meanSpend });
    expect(spend).toBeCloseTo(expected, 10);
  });
});
