import { logBeta } from './distributions.js';
import type { ConversionCounts } from './experiments.schema.js';

/** Parameters [α, β] of a Beta distribution; α and β are integers ≥ 1 here. */
type BetaParameters = readonly [number, number];

/** The posterior of a rate under the uniform Beta(1, 1) prior. */
function posterior({ users, conversions }: ConversionCounts): BetaParameters {
  return [1 + conversions, 1 + users - conversions];
}

/**
 * P(Y > X) for X ~ Beta(a, b), Y ~ Beta(c, d), c an integer, by Evan Miller's closed form
 * ("Formulas for Bayesian A/B Testing", 2015): Σ_{i<c} B(a+i, b+d) / ((d+i) B(1+i, d) B(a, b)).
 * Consecutive terms differ by the factor (a+i)(d+i) / ((a+b+d+i)(i+1)); the sum runs in log space
 * so that no term underflows with millions of units.
 */
function sumOverC(a: number, b: number, c: number, d: number): number {
  let logTerm = logBeta(a, b + d) - logBeta(a, b);
  let max = logTerm;
  let scaled = 1; // the sum so far is e^max · scaled
  for (let i = 0; i < c - 1; i++) {
    logTerm += Math.log(((a + i) * (d + i)) / ((a + b + d + i) * (i + 1)));
    if (logTerm > max) {
      scaled = scaled * Math.exp(max - logTerm) + 1;
      max = logTerm;
    } else {
      scaled += Math.exp(logTerm - max);
    }
  }
  return Math.exp(max) * scaled;
}

/**
 * P(Y > X), summing over the smallest of the four parameters: the sum has c terms; by symmetry
 * 1 − P(X > Y) has a terms, and with 1 − p ~ Beta(β, α) the same probability has b or d terms.
 * The cost is O(min(a, b, c, d)): the fewer of conversions and non-conversions.
 */
function probabilityGreater([a, b]: BetaParameters, [c, d]: BetaParameters): number {
  const fewest = Math.min(a, b, c, d);
  let p: number;
  if (fewest === c) p = sumOverC(a, b, c, d);
  else if (fewest === a) p = 1 - sumOverC(c, d, a, b);
  else if (fewest === b) p = sumOverC(d, c, b, a);
  else p = 1 - sumOverC(b, a, d, c);
  return Math.min(1, Math.max(0, p));
}

/** P(p_t > p_c) under Beta(1 + conversions, 1 + non-conversions) posteriors. */
export function betaChanceToBeat(control: ConversionCounts, treatment: ConversionCounts): number {
  return probabilityGreater(posterior(control), posterior(treatment));
}

/**
 * The expected loss of choosing the treatment, E[max(p_c − p_t, 0)], in rate units. With
 * x f_{α,β}(x) = α/(α+β) · f_{α+1,β}(x):
 * E[max(p_c − p_t, 0)] = E[p_c] P(C⁺ > T) − E[p_t] P(C > T⁺), C⁺ ~ Beta(α_c + 1, β_c), T⁺ likewise.
 */
export function betaExpectedLoss(control: ConversionCounts, treatment: ConversionCounts): number {
  const [ac, bc] = posterior(control);
  const [at, bt] = posterior(treatment);
  const loss =
    (ac / (ac + bc)) * probabilityGreater([at, bt], [ac + 1, bc]) -
    (at / (at + bt)) * probabilityGreater([at + 1, bt], [ac, bc]);
  return Math.max(0, loss);
}
