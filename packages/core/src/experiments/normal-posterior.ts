import { normalCdf, normalPdf } from './distributions.js';
import type { MetricMoments } from './experiments.schema.js';

/** The normal approximation of the difference of means: D = ȳ_t − ȳ_c ~ N(d, s²), s² = s_c²/n_c + s_t²/n_t. */
function difference(
  control: MetricMoments,
  treatment: MetricMoments,
): { d: number; s: number } | null {
  if (control.mean === null || treatment.mean === null) return null;
  if (control.variance === null || treatment.variance === null) return null;
  const s = Math.sqrt(control.variance / control.n + treatment.variance / treatment.n);
  return s > 0 ? { d: treatment.mean - control.mean, s } : null;
}

/** P(μ_t > μ_c) = Φ(d / s) (flat priors, normal approximation). Null without spread. */
export function normalChanceToBeat(
  control: MetricMoments,
  treatment: MetricMoments,
): number | null {
  const diff = difference(control, treatment);
  return diff ? normalCdf(diff.d / diff.s) : null;
}

/** E[max(μ_c − μ_t, 0)] = s φ(d/s) − d Φ(−d/s): the loss of choosing the treatment, in metric units. */
export function normalExpectedLoss(
  control: MetricMoments,
  treatment: MetricMoments,
): number | null {
  const diff = difference(control, treatment);
  if (!diff) return null;
  const { d, s } = diff;
  return Math.max(0, s * normalPdf(d / s) - d * normalCdf(-d / s));
}
