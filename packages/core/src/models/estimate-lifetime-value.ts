import { err, ok, type Result } from '../result/result.js';
import { customerLifetimeValue } from './customer-lifetime-value.js';
import { conditionalExpectedPurchases, probabilityAlive } from './expected-purchases.js';
import { expectedSpend } from './expected-spend.js';
import { fitBgNbd } from './fit-bgnbd.js';
import { fitGammaGamma } from './fit-gamma-gamma.js';
import type {
  BgNbdParams,
  CustomerSummary,
  GammaGammaParams,
  ModelFit,
  Transaction,
} from './models.schema.js';
import { summarizeTransactions } from './summarize-transactions.js';

export interface LifetimeValueOptions {
  /** The last day of the calibration period (whole days since 1970-01-01), included. */
  until: number;
  /** Days in a unit of time: 7 for weeks, 1 for days. */
  unitDays: number;
  /** How many units ahead to predict. */
  horizon: number;
  /** Per unit; 0 (the default) for none. See customerLifetimeValue. */
  discountRate?: number;
}

/** A customer's history and what the models predict over the horizon. */
export interface CustomerValue extends CustomerSummary {
  expectedPurchases: number;
  pAlive: number;
  expectedSpend: number;
  clv: number;
}

export interface LifetimeValueEstimate {
  bgnbd: ModelFit<BgNbdParams>;
  gammaGamma: ModelFit<GammaGammaParams> & { customers: number };
  customers: CustomerValue[];
}

/**
 * Summarizes the transactions up to `until`, fits BG/NBD on every customer and Gamma-Gamma on
 * those with repeat purchases, and predicts each customer's purchases, spend and value over the
 * horizon. Fails when no customer bought by `until` or none bought again (Gamma-Gamma has nothing
 * to learn from).
 */
export function estimateLifetimeValue(
  transactions: Iterable<Transaction>,
  options: LifetimeValueOptions,
): Result<LifetimeValueEstimate> {
  const { until, unitDays, horizon, discountRate = 0 } = options;
  const summaries = summarizeTransactions(transactions, until, unitDays);
  if (summaries.length === 0) return err('no customer bought anything by the end of calibration');
  const repeaters = summaries.filter((c) => c.x > 0 && c.meanSpend > 0).length;
  if (repeaters === 0)
    return err('no customer bought again by the end of calibration: Gamma-Gamma needs some');
  const bgnbd = fitBgNbd(summaries);
  const gammaGamma = fitGammaGamma(summaries);
  const models = { bgnbd: bgnbd.params, gammaGamma: gammaGamma.params };
  const customers = summaries.map((c) => ({
    ...c,
    expectedPurchases: conditionalExpectedPurchases(models.bgnbd, c, horizon),
    pAlive: probabilityAlive(models.bgnbd, c),
    expectedSpend: expectedSpend(models.gammaGamma, c),
    clv: customerLifetimeValue(models, c, horizon, discountRate),
  }));
  return ok({ bgnbd, gammaGamma: { ...gammaGamma, customers: repeaters }, customers });
}
