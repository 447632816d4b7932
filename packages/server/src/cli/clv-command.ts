import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { estimateLifetimeValue, TailorError, type LifetimeValueEstimate } from '@tailor/core';
import { parseDay } from '../models/parse-day.js';
import { readTransactionsFile } from '../models/read-transactions-file.js';

interface ClvFlags {
  customer: string;
  date: string;
  amount: string;
  until: string;
  unit: 'week' | 'day';
  horizon?: number;
  json?: boolean;
  out?: string;
}

const UNIT_DAYS = { week: 7, day: 1 } as const;

/**
 * `tailor clv FILE.csv --customer COL --date COL --amount COL --until DATE`: fits BG/NBD and
 * Gamma-Gamma to the transactions up to DATE and predicts each customer's purchases, spend and
 * value over the next `--horizon` units (default 52 weeks, whatever the unit).
 */
export function clvCommand(file: string, flags: ClvFlags): void {
  const until = parseDay(flags.until);
  if (until === undefined)
    throw new TailorError(
      'invalid_request',
      `--until: not an ISO 8601 date (2024-03-01 or 20240301): '${flags.until}'`,
    );
  const unitDays = UNIT_DAYS[flags.unit];
  const horizon = flags.horizon ?? (52 * 7) / unitDays;
  const transactions = readTransactionsFile(file, flags);
  console.error(
    `${transactions.length} transactions read from ${file}; fitting BG/NBD and Gamma-Gamma`,
  );
  const estimate = estimateLifetimeValue(transactions, { until, unitDays, horizon });
  if (!estimate.ok) throw new TailorError('invalid_request', `${file}: ${estimate.error}`);
  const { bgnbd, gammaGamma, customers } = estimate.value;
  for (const [name, fit] of [
    ['BG/NBD', bgnbd],
    ['Gamma-Gamma', gammaGamma],
  ] as const)
    if (!fit.converged)
      console.error(`warning: the ${name} fit did not converge; its parameters may be off`);
  if (gammaGamma.params.q <= 1)
    console.error(
      `warning: Gamma-Gamma q is ${gammaGamma.params.q.toFixed(4)} (at most 1): the population's mean spend is undefined, so the expected_spend and clv of customers without repeat purchases mean nothing; fit on more repeat customers`,
    );
  if (flags.out !== undefined) {
    mkdirSync(dirname(flags.out), { recursive: true });
    writeFileSync(flags.out, formatCustomers(estimate.value));
    console.error(`${customers.length} customers written to ${flags.out}`);
  }
  const summary = {
    customers: customers.length,
    bgnbd: { ...bgnbd.params, logLikelihood: bgnbd.logLikelihood },
    gammaGamma: gammaGamma.params,
  };
  console.log(
    flags.json === true
      ? JSON.stringify(summary, null, 2)
      : describe(estimate.value, flags.unit, horizon),
  );
}

/** Numbers to 6 decimals, without trailing zeros. */
const number = (value: number): string => String(Number(value.toFixed(6)));

function formatCustomers({ customers }: LifetimeValueEstimate): string {
  return stringify([
    ['customer', 'x', 't_x', 'T', 'expected_purchases', 'p_alive', 'expected_spend', 'clv'],
    ...customers.map((c) => [
      c.customer,
      String(c.x),
      number(c.tx),
      number(c.T),
      number(c.expectedPurchases),
      number(c.pAlive),
      number(c.expectedSpend),
      number(c.clv),
    ]),
  ]);
}

function describe(
  { bgnbd, gammaGamma, customers }: LifetimeValueEstimate,
  unit: string,
  horizon: number,
): string {
  const { r, alpha, a, b } = bgnbd.params;
  const { p, q, gamma } = gammaGamma.params;
  const total = customers.reduce((sum, c) => sum + c.clv, 0);
  return [
    `${customers.length} customers (${gammaGamma.customers} with repeat purchases)`,
    `BG/NBD: r ${r.toFixed(4)}, alpha ${alpha.toFixed(4)}, a ${a.toFixed(4)}, b ${b.toFixed(4)} (log-likelihood ${bgnbd.logLikelihood.toFixed(2)})`,
    `Gamma-Gamma: p ${p.toFixed(4)}, q ${q.toFixed(4)}, gamma ${gamma.toFixed(4)}`,
    `expected value over the next ${horizon} ${unit}s: ${total.toFixed(2)} in all`,
  ].join('\n');
}
