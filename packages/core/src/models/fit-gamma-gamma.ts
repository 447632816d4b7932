import { drain, nelderMeadSteps, type Minimum } from './minimize-nelder-mead.js';
import type { CustomerSummary, GammaGammaParams, ModelFit } from './models.schema.js';
import { lnGamma } from './special-functions.js';

type Spend = Pick<CustomerSummary, 'x' | 'meanSpend'>;

/**
 * The Gamma-Gamma log-likelihood of the customers' mean repeat spend m over x transactions
 * (Fader, Hardie & Lee 2005b; Fader & Hardie 2013, "The Gamma-Gamma model of monetary value",
 * eq. 3): per customer
 *
 *   ln f(m | p, q, γ, x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x
 *                          − (px+q) ln(γ + m x)
 *
 * over customers with x > 0 and m > 0 (the model is for positive spend).
 */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  customers: readonly Spend[],
): number {
  const { p, q, gamma } = params;
  let sum = 0;
  for (const { x, meanSpend: m } of customers) {
    if (!(x > 0 && m > 0)) continue;
    const px = p * x;
    sum +=
      lnGamma(px + q) -
      lnGamma(px) -
      lnGamma(q) +
      q * Math.log(gamma) +
      (px - 1) * Math.log(m) +
      px * Math.log(x) -
      (px + q) * Math.log(gamma + m * x);
  }
  return sum;
}

const STARTS: readonly (readonly number[])[] = [
  [1, 1, 1],
  [5, 3, 15],
  [0.5, 10, 100],
];

/**
 * Fits Gamma-Gamma by maximum likelihood on the customers with x > 0 and a positive mean spend,
 * as Fader & Hardie do: Nelder–Mead on (ln p, ln q, ln γ) from each of `STARTS`, keeping the best.
 */
export function fitGammaGamma(customers: readonly Spend[]): ModelFit<GammaGammaParams> {
  return drain(fitGammaGammaSteps(customers));
}

/**
 * `fitGammaGamma` yielding after each optimizer iteration; `maxIterations` bounds each start's,
 * `from` replaces the starting points by one.
 */
export function* fitGammaGammaSteps(
  customers: readonly Spend[],
  options: { maxIterations?: number; from?: GammaGammaParams } = {},
): Generator<void, ModelFit<GammaGammaParams>> {
  const { from, ...limits } = options;
  const starts = from === undefined ? STARTS : [[from.p, from.q, from.gamma]];
  const repeaters = customers.filter((c) => c.x > 0 && c.meanSpend > 0);
  const fromLogs = (v: readonly number[]): GammaGammaParams => {
    const [p, q, gamma] = v.map(Math.exp) as [number, number, number];
    return { p, q, gamma };
  };
  const runs: Minimum[] = [];
  for (const start of starts)
    runs.push(
      yield* nelderMeadSteps(
        (v) => -gammaGammaLogLikelihood(fromLogs(v), repeaters),
        start.map(Math.log),
        { xTolerance: 1e-9, fTolerance: 1e-10, ...limits },
      ),
    );
  const best = runs.reduce((p, q) => (q.value < p.value ? q : p));
  return { params: fromLogs(best.x), logLikelihood: -best.value, converged: best.converged };
}
