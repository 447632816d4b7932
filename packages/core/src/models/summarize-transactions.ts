import type { CustomerSummary, Transaction } from './models.schema.js';

/**
 * Each customer's (x, t_x, T, mean repeat spend) over the calibration period that ends with day
 * `until` (included), in units of `unitDays` days (7 for weeks), as Fader & Hardie summarize the
 * CDNOW data: a customer's purchases on one day count as one (their amounts summed); x = the days
 * with purchases after the first purchase day; t_x = days from the first to the last purchase day
 * and T = days from the first purchase day to `until`, both over `unitDays`; the mean spend is
 * the mean of the repeat days' amounts (the first day's left out), 0 when x = 0. Transactions
 * after `until` are ignored, and with them customers who first bought later. Customers come out in
 * the order of their first transaction in the input.
 */
export function summarizeTransactions(
  transactions: Iterable<Transaction>,
  until: number,
  unitDays: number,
): CustomerSummary[] {
  const days = new Map<string, Map<number, number>>();
  for (const { customer, day, amount } of transactions) {
    if (day > until) continue;
    let spend = days.get(customer);
    if (!spend) days.set(customer, (spend = new Map<number, number>()));
    spend.set(day, (spend.get(day) ?? 0) + amount);
  }
  return [...days].map(([customer, spend]) => summarizeCustomer(customer, spend, until, unitDays));
}

function summarizeCustomer(
  customer: string,
  spend: Map<number, number>,
  until: number,
  unitDays: number,
): CustomerSummary {
  const [[first], ...repeats] = [...spend].sort(([p], [q]) => p - q) as [
    [number, number],
    ...[number, number][],
  ];
  const last = repeats.at(-1)?.[0] ?? first;
  const total = repeats.reduce((sum, [, amount]) => sum + amount, 0);
  return {
    customer,
    x: repeats.length,
    tx: (last - first) / unitDays,
    T: (until - first) / unitDays,
    meanSpend: repeats.length > 0 ? total / repeats.length : 0,
  };
}
