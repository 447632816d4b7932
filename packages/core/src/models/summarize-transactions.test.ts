import { describe, expect, it } from 'vitest';
import type { CustomerSummary, Transaction } from './models.schema.js';
import { summarizeTransactions } from './summarize-transactions.js';

const t = (customer: string, day: number, amount: number): Transaction => ({
  customer,
  day,
  amount,
});

describe('summarizeTransactions', () => {
  it.each<[string, Transaction[], number, number, CustomerSummary[]]>([
    [
      'one purchase: x = 0, t_x = 0',
      [t('a', 10, 5)],
      24,
      7,
      [{ customer: 'a', x: 0, tx: 0, T: 2, meanSpend: 0 }],
    ],
    [
      'one day, several purchases: one, x = 0',
      [t('a', 10, 5), t('a', 10, 7)],
      10,
      1,
      [{ customer: 'a', x: 0, tx: 0, T: 0, meanSpend: 0 }],
    ],
    [
      'repeat days summed, the first day left out of the mean',
      [t('a', 3, 100), t('a', 10, 5), t('a', 10, 7), t('a', 17, 30), t('a', 0, 1)],
      21,
      7,
      [{ customer: 'a', x: 3, tx: 17 / 7, T: 3, meanSpend: (100 + 12 + 30) / 3 }],
    ],
    [
      'after `until` ignored, `until` itself included',
      [t('a', 0, 1), t('a', 7, 2), t('a', 8, 4), t('b', 8, 9)],
      7,
      7,
      [{ customer: 'a', x: 1, tx: 1, T: 1, meanSpend: 2 }],
    ],
    [
      'customers in the order they first appear, ids as written',
      [t('007', 5, 1), t('7', 2, 1), t('007', 6, 3)],
      6,
      1,
      [
        { customer: '007', x: 1, tx: 1, T: 1, meanSpend: 3 },
        { customer: '7', x: 0, tx: 0, T: 4, meanSpend: 0 },
      ],
    ],
  ])('%s', (_, transactions, until, unitDays, expected) => {
    expect(summarizeTransactions(transactions, until, unitDays)).toEqual(expected);
  });
});
