/**
 * The distribution functions the experiment statistics need, from @stdlib (ports of Boost and
 * Cephes, pure JavaScript). This is the one file that imports them.
 */
import betainc from '@stdlib/math-base-special-betainc';
import betaln from '@stdlib/math-base-special-betaln';
import gammainc from '@stdlib/math-base-special-gammainc';
import normalCdfWith from '@stdlib/stats-base-dists-normal-cdf';
import normalPdfWith from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantileWith from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalCdfWith(x, 0, 1);
}

/** φ(x), the standard normal density. */
export function normalPdf(x: number): number {
  return normalPdfWith(x, 0, 1);
}

/** Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return normalQuantileWith(p, 0, 1);
}

/** The CDF of Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(x: number, df: number): number {
  return tCdf(x, df);
}

export function studentTQuantile(p: number, df: number): number {
  return tQuantile(p, df);
}

/**
 * P(X² ≥ x) for a chi-square with `df` degrees of freedom: the upper regularized incomplete gamma
 * function Q(df/2, x/2), computed directly so that tiny p-values keep their precision.
 */
export function chiSquareSurvival(x: number, df: number): number {
  return gammainc(x / 2, df / 2, true, true);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return betaln(a, b);
}

/** The Beta(a, b) distribution function at x in [0, 1]: the regularized incomplete beta Iₓ(a, b). */
export function betaCdf(x: number, a: number, b: number): number {
  return betainc(x, a, b);
}

/**
 * P(F ≥ f) for Snedecor's F with (d1, d2) degrees of freedom (d2 may be fractional, as Welch's
 * is): the regularized incomplete beta I_{d2/(d2 + d1 f)}(d2/2, d1/2).
 */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 1;
  return betainc(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}
