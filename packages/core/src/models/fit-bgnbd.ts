import { bgnbdLogLikelihood } from './bgnbd-log-likelihood.js';
import { minimizeNelderMead } from './minimize-nelder-mead.js';
import type { BgNbdParams, CustomerSummary, ModelFit } from './models.schema.js';

/** Starting points (r, α, a, b): the fit keeps the best of the runs from each. */
const STARTS: readonly (readonly number[])[] = [
  [1, 1, 1, 1],
  [0.25, 5, 0.8, 2.5],
  [2, 20, 0.2, 5],
];

/**
 * Fits BG/NBD by maximum likelihood: Nelder–Mead on (ln r, ln α, ln a, ln b), so every parameter
 * stays positive, from each of `STARTS`, keeping the highest likelihood. Tolerances (1e-9 in the
 * log-parameters, 1e-10 in the log-likelihood) put the parameters well within 3 decimals.
 */
export function fitBgNbd(
  customers: readonly (Pick<CustomerSummary, 'x' | 'tx' | 'T'> & { weight?: number })[],
): ModelFit<BgNbdParams> {
  const fromLogs = (v: readonly number[]): BgNbdParams => {
    const [r, alpha, a, b] = v.map(Math.exp) as [number, number, number, number];
    return { r, alpha, a, b };
  };
  const runs = STARTS.map((start) =>
    minimizeNelderMead((v) => -bgnbdLogLikelihood(fromLogs(v), customers), start.map(Math.log), {
      xTolerance: 1e-9,
      fTolerance: 1e-10,
    }),
  );
  const best = runs.reduce((p, q) => (q.value < p.value ? q : p));
  return { params: fromLogs(best.x), logLikelihood: -best.value, converged: best.converged };
}
