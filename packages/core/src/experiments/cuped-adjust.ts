import type { CovariateSums, MeanSums, MetricMoments } from './experiments.schema.js';

export type CupedSums = MeanSums & CovariateSums;

/** A variant's CUPED-adjusted metric, and how much of its variance the adjustment removed. */
export interface CupedMoments extends MetricMoments {
  varianceReduction: number | null;
}

/**
 * CUPED (Deng, Xu, Kohavi & Walker 2013) from sufficient statistics. Each unit's metric y becomes
 * y − θ(x − x̄), x its pre-assignment value and x̄ the mean of x over all variants, with
 * θ = Σ_g S_xy,g / Σ_g S_xx,g pooled within variants (S_xy,g = Σxy − ΣxΣy/n over variant g), so the
 * treatment effect does not leak into θ. Per variant the adjusted mean is ȳ − θ(x̄_g − x̄) and the
 * adjusted sample variance (S_yy − 2θ S_xy + θ² S_xx) / (n − 1); θ is treated as known.
 * Null when x does not vary within any variant.
 */
export function cupedAdjust(
  variants: readonly CupedSums[],
): { theta: number; variants: CupedMoments[] } | null {
  const within = variants.map((v) => {
    const n = v.n;
    return {
      n,
      sxx: n > 0 ? v.sumPreSquares - (v.sumPre * v.sumPre) / n : 0,
      sxy: n > 0 ? v.sumCross - (v.sumPre * v.sum) / n : 0,
      syy: n > 0 ? v.sumSquares - (v.sum * v.sum) / n : 0,
    };
  });
  const sxx = within.reduce((a, w) => a + w.sxx, 0);
  if (!(sxx > 0)) return null;
  const theta = within.reduce((a, w) => a + w.sxy, 0) / sxx;
  const units = variants.reduce((a, v) => a + v.n, 0);
  const preMean = variants.reduce((a, v) => a + v.sumPre, 0) / units;
  return {
    theta,
    variants: variants.map((v, g) => {
      const w = within[g];
      if (!w || v.n <= 0) return { n: 0, mean: null, variance: null, varianceReduction: null };
      const mean = (v.sum - theta * (v.sumPre - v.n * preMean)) / v.n;
      if (v.n < 2) return { n: v.n, mean, variance: null, varianceReduction: null };
      const residual = Math.max(0, w.syy - 2 * theta * w.sxy + theta * theta * w.sxx);
      return {
        n: v.n,
        mean,
        variance: residual / (v.n - 1),
        varianceReduction: w.syy > 0 ? 1 - residual / w.syy : null,
      };
    }),
  };
}
