import { conditionalExpectedPurchases } from './expected-purchases.js';
import { expectedSpend } from './expected-spend.js';
import type { BgNbdParams, CustomerSummary, GammaGammaParams } from './models.schema.js';

/**
 * A customer's value over the next `horizon` units: expected purchases (BG/NBD) times expected
 * spend per purchase (Gamma-Gamma), the two being independent under the models.
 *
 * Without a discount rate: E[Y(H) | history] · E[M | history].
 * With a discount rate d per unit, the expected purchases of unit k, E[Y(k)] − E[Y(k−1)], are
 * discounted by (1+d)^k (counted at the end of the unit): E[M] · Σ_{k=1..H} ΔE[Y(k)] / (1+d)^k,
 * H rounded up to whole units (the last one counting only the remaining part).
 */
export function customerLifetimeValue(
  models: { bgnbd: BgNbdParams; gammaGamma: GammaGammaParams },
  customer: CustomerSummary,
  horizon: number,
  discountRate = 0,
): number {
  const spend = expectedSpend(models.gammaGamma, customer);
  const purchases = (t: number) => conditionalExpectedPurchases(models.bgnbd, customer, t);
  if (discountRate === 0) return purchases(horizon) * spend;
  let value = 0;
  let before = 0;
  for (let k = 1; k < horizon + 1; k++) {
    const now = purchases(Math.min(k, horizon));
    value += (now - before) / Math.pow(1 + discountRate, k);
    before = now;
  }
  return value * spend;
}
