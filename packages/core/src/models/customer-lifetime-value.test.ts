import { describe, expect, it } from 'vitest';
import { customerLifetimeValue } from './customer-lifetime-value.js';
import { conditionalExpectedPurchases } from './expected-purchases.js';
import { expectedSpend } from './expected-spend.js';

const models = {
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
};
const customer = { customer: 'c', x: 2, tx: 30.43, T: 38.86, meanSpend: 22.35 };
const spend = expectedSpend(models.gammaGamma, customer);
const purchases = (t: number) => conditionalExpectedPurchases(models.bgnbd, customer, t);

describe('customerLifetimeValue', () => {
  it.each<[string, number, number, number]>([
    ['undiscounted: E[Y(H)] · E[M]', 52, 0, purchases(52) * spend],
    ['one unit at 10%: discounted once', 1, 0.1, (purchases(1) * spend) / 1.1],
    [
      'two units at 10%: each unit’s purchases at its own discount',
      2,
      0.1,
      (purchases(1) / 1.1 + (purchases(2) - purchases(1)) / 1.21) * spend,
    ],
    [
      'a fractional horizon: the last unit counts its part',
      1.5,
      0.1,
      (purchases(1) / 1.1 + (purchases(1.5) - purchases(1)) / 1.21) * spend,
    ],
    ['a zero horizon', 0, 0.1, 0],
  ])('%s', (_, horizon, discountRate, expected) => {
    expect(customerLifetimeValue(models, customer, horizon, discountRate)).toBeCloseTo(
      expected,
      12,
    );
  });

  it('a discount lowers the value, more so at a higher rate', () => {
    const [none, low, high] = [0, 0.001, 0.01].map((d) =>
      customerLifetimeValue(models, customer, 52, d),
    );
    expect(low).toBeLessThan(none!);
    expect(high).toBeLessThan(low!);
  });
});
