import { describe, expect, it } from 'vitest';
import { estimateLifetimeValue } from './estimate-lifetime-value.js';
import type { Transaction } from './models.schema.js';

const t = (customer: string, day: number, amount: number): Transaction => ({
  customer,
  day,
  amount,
});
const options = { until: 100, unitDays: 7, horizon: 52 };

describe('estimateLifetimeValue', () => {
  it.each<[string, Transaction[], string]>([
    ['no transactions', [], 'no customer bought anything by the end of calibration'],
    ['only transactions after until', [t('a', 101, 5)], 'no customer bought anything'],
    ['no repeat purchase', [t('a', 1, 5), t('b', 2, 5), t('b', 2, 6)], 'no customer bought again'],
    ['repeats of no positive spend', [t('a', 1, 5), t('a', 9, 0)], 'no customer bought again'],
  ])('refuses %s', (_, transactions, message) => {
    const estimate = estimateLifetimeValue(transactions, options);
    expect(estimate.ok).toBe(false);
    if (!estimate.ok) expect(estimate.error).toContain(message);
  });

  it('predicts for every customer, CLV = purchases × spend without a discount', () => {
    const transactions = [
      t('a', 0, 10),
      t('a', 14, 20),
      t('a', 70, 30),
      t('b', 7, 5),
      t('c', 3, 8),
      t('c', 90, 12),
    ];
    const estimate = estimateLifetimeValue(transactions, options);
    if (!estimate.ok) throw new Error(estimate.error);
    expect(estimate.value.gammaGamma.customers).toBe(2);
    expect(estimate.value.customers.map((c) => c.customer)).toEqual(['a', 'b', 'c']);
    for (const c of estimate.value.customers)
      expect(c.clv).toBeCloseTo(c.expectedPurchases * c.expectedSpend, 10);
  });
});
