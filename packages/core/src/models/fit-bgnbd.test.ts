import { describe, expect, it } from 'vitest';
import { CALIBRATION_END, readCdnow, WEEK } from './cdnow.fixture.js';
import { conditionalExpectedPurchases } from './expected-purchases.js';
import { fitBgNbd } from './fit-bgnbd.js';
import { summarizeTransactions } from './summarize-transactions.js';

describe('fitBgNbd on the CDNOW sample (Fader, Hardie & Lee 2005)', () => {
  const customers = summarizeTransactions(readCdnow(), CALIBRATION_END, WEEK);
  const fit = fitBgNbd(customers);

  it('summarizes 2,357 customers, 39 weeks of calibration', () => {
    expect(customers).toHaveLength(2357);
    expect(Math.max(...customers.map((c) => c.T))).toBeCloseTo(272 / 7, 9);
  });

  it.each([
    ['r', 0.243],
    ['alpha', 4.414],
    ['a', 0.793],
    ['b', 2.426],
  ] as const)('reproduces the published %s = %s to 3 decimals', (name, published) => {
    expect(fit.converged).toBe(true);
    expect(fit.params[name].toFixed(3)).toBe(published.toFixed(3));
  });

  it('reproduces the published log-likelihood, -9582.4', () => {
    expect(fit.logLikelihood.toFixed(1)).toBe('-9582.4');
  });

  it("reproduces the paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks", () => {
    const expected = conditionalExpectedPurchases(fit.params, { x: 2, tx: 30.43, T: 38.86 }, 39);
    expect(expected.toFixed(3)).toBe('1.226');
  });
});
