import { describe, expect, it } from 'vitest';
import { CALIBRATION_END, readCdnow, readClvReference, WEEK } from './cdnow.fixture.js';
import { customerLifetimeValue } from './customer-lifetime-value.js';
import { conditionalExpectedPurchases, probabilityAlive } from './expected-purchases.js';
import { expectedSpend } from './expected-spend.js';
import { fitBgNbd } from './fit-bgnbd.js';
import { fitGammaGamma } from './fit-gamma-gamma.js';
import { summarizeTransactions } from './summarize-transactions.js';

/** |actual − expected| within `relative` of |expected| (or of 1, near 0). */
function expectClose(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    relative * Math.max(1, Math.abs(expected)),
  );
}

describe('BG/NBD and Gamma-Gamma against SciPy (make-clv-reference.py)', () => {
  const reference = readClvReference();
  const customers = summarizeTransactions(readCdnow(), CALIBRATION_END, WEEK);
  const bgnbd = {
    r: reference.bgnbd.r,
    alpha: reference.bgnbd.alpha,
    a: reference.bgnbd.a,
    b: reference.bgnbd.b,
  };
  const gammaGamma = {
    p: reference.gamma_gamma.p,
    q: reference.gamma_gamma.q,
    gamma: reference.gamma_gamma.gamma,
  };

  it('summarizes the same customers', () => {
    expect(customers).toHaveLength(reference.customers);
    expect(customers.filter((c) => c.x > 0 && c.meanSpend > 0)).toHaveLength(reference.repeaters);
    const byId = new Map(customers.map((c) => [c.customer, c]));
    for (const c of reference.cases.filter((r) => r.customer !== 'paper-example')) {
      const mine = byId.get(c.customer)!;
      expect([mine.x, mine.tx, mine.T]).toEqual([c.x, c.tx, c.T]);
      expectClose(mine.meanSpend, c.m, 1e-12);
    }
  });

  it('fits BG/NBD to the same parameters and log-likelihood', () => {
    const fit = fitBgNbd(customers);
    for (const name of ['r', 'alpha', 'a', 'b'] as const)
      expectClose(fit.params[name], bgnbd[name], 1e-6);
    expectClose(fit.logLikelihood, reference.bgnbd.log_likelihood, 1e-12);
  });

  it('fits Gamma-Gamma to the same parameters and log-likelihood', () => {
    const fit = fitGammaGamma(customers);
    for (const name of ['p', 'q', 'gamma'] as const)
      expectClose(fit.params[name], gammaGamma[name], 1e-6);
    expectClose(fit.logLikelihood, reference.gamma_gamma.log_likelihood, 1e-12);
  });

  // SciPy's parameters, so these check the formulas and ₂F₁ alone, not the fit.
  const cases = reference.cases.flatMap((c) =>
    Object.entries(c.expected).map(([t, value]) => [c.customer, Number(t), c, value] as const),
  );
  it.each(cases)('E[Y(t) | history] of %s, t = %d weeks', (_, t, c, value) => {
    expectClose(conditionalExpectedPurchases(bgnbd, c, t), value, 1e-10);
  });

  it.each(reference.cases.map((c) => [c.customer, c] as const))(
    'P(alive), expected spend and CLV over 52 weeks of %s',
    (_, c) => {
      const customer = { ...c, meanSpend: c.m };
      expectClose(probabilityAlive(bgnbd, c), c.p_alive, 1e-12);
      expectClose(expectedSpend(gammaGamma, customer), c.expected_spend, 1e-12);
      expectClose(customerLifetimeValue({ bgnbd, gammaGamma }, customer, 52), c.clv, 1e-10);
      expectClose(
        customerLifetimeValue({ bgnbd, gammaGamma }, customer, 52, reference.discount),
        c.clv_discounted,
        1e-10,
      );
    },
  );
});
