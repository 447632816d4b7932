import type { BgNbdParams, CustomerSummary } from './models.schema.js';
import { hypergeometric2F1 } from './special-functions.js';

type History = Pick<CustomerSummary, 'x' | 'tx' | 'T'>;

/**
 * E[X(t)], the purchases a new customer is expected to make in their first t units (Fader, Hardie
 * & Lee 2005, eq. 7): (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
 */
export function expectedPurchases(params: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = params;
  const hyper = hypergeometric2F1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyper);
}

/**
 * E[Y(t) | x, t_x, T], the purchases a customer with that history is expected to make in the next
 * t units (eq. 10):
 *
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / [1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)]
 *
 * (a = 1 is a removable singularity the formula does not handle; a fit lands on it exactly only by
 * chance).
 */
export function conditionalExpectedPurchases(
  params: BgNbdParams,
  history: History,
  t: number,
): number {
  const { r, alpha, a, b } = params;
  const { x, T } = history;
  const z = t / (alpha + T + t);
  const hyper = hypergeometric2F1(r + x, b + x, a + b + x - 1, z);
  const numerator =
    ((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyper);
  return numerator * probabilityAlive(params, history);
}

/**
 * P(alive | x, t_x, T) (eq. A10 of the paper's technical note):
 * 1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), 1 for a customer with no repeat purchase.
 */
export function probabilityAlive(params: BgNbdParams, history: History): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = history;
  if (x === 0) return 1;
  const odds = Math.exp(
    Math.log(a) - Math.log(b + x - 1) + (r + x) * Math.log((alpha + T) / (alpha + tx)),
  );
  return 1 / (1 + odds);
}
