import type { BgNbdParams, CustomerSummary } from './models.schema.js';
import { lnBeta, lnGamma } from './special-functions.js';

/** A customer's (x, t_x, T); `weight` counts customers sharing them (1 when absent). */
type History = Pick<CustomerSummary, 'x' | 'tx' | 'T'> & { weight?: number };

/**
 * The BG/NBD log-likelihood of the customers' (x, t_x, T) (Fader, Hardie & Lee 2005, eq. 6):
 *
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
 *     + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
 *
 * summed over customers in logs, the two terms added with log-sum-exp. The terms that depend on
 * x alone are computed once per distinct x.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, customers: readonly History[]): number {
  const { r, alpha, a, b } = params;
  const common = new Map<number, number>();
  const commonFor = (x: number): number => {
    let c = common.get(x);
    if (c === undefined) {
      c = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha) + lnBeta(a, b + x) - lnBeta(a, b);
      common.set(x, c);
    }
    return c;
  };
  let sum = 0;
  for (const { x, tx, T, weight = 1 } of customers) {
    const stays = -(r + x) * Math.log(alpha + T);
    const drops =
      x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
    sum += weight * (commonFor(x) + logAddExp(stays, drops));
  }
  return sum;
}

/** ln(e^u + e^v) without overflow. */
export function logAddExp(u: number, v: number): number {
  const high = Math.max(u, v);
  return high === -Infinity ? -Infinity : high + Math.log(Math.exp(u - high) + Math.exp(v - high));
}
