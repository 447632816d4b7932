import { studentTCdf } from './distributions.js';
import type { MetricMoments } from './experiments.schema.js';

/**
 * Welch's t test: t = (ȳ_t − ȳ_c) / √(s_c²/n_c + s_t²/n_t) with Welch–Satterthwaite degrees of
 * freedom; two-sided p = 2 T_df(−|t|). Null below two units in either variant or without spread.
 */
export function welchTTest(
  control: MetricMoments,
  treatment: MetricMoments,
): { t: number; df: number; pValue: number } | null {
  if (control.mean === null || treatment.mean === null) return null;
  if (control.variance === null || treatment.variance === null) return null;
  const vc = control.variance / control.n;
  const vt = treatment.variance / treatment.n;
  const se2 = vc + vt;
  if (!(se2 > 0)) return null;
  const t = (treatment.mean - control.mean) / Math.sqrt(se2);
  const df = (se2 * se2) / ((vc * vc) / (control.n - 1) + (vt * vt) / (treatment.n - 1));
  return { t, df, pValue: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)) };
}
