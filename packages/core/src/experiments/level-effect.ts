import { normalQuantile, studentTQuantile } from './distributions.js';
import {
  CONFIDENCE_LEVEL,
  type ConfidenceInterval,
  type ConversionCounts,
  type MetricMoments,
} from './experiments.schema.js';
import { twoProportionZTest } from './two-proportion-z-test.js';
import { welchTTest } from './welch-t-test.js';

export interface Difference {
  effect: { value: number; ci: ConfidenceInterval } | null;
  pValue: number | null;
}

const QUANTILE = 1 - (1 - CONFIDENCE_LEVEL) / 2;

/**
 * A level's rate against the reference level's: the difference with its Wald interval
 * (unpooled, d ± z√(p₁(1 − p₁)/n₁ + p₀(1 − p₀)/n₀)) and the pooled z test's p-value, as the pairwise
 * comparisons use.
 */
export function rateDifference(reference: ConversionCounts, level: ConversionCounts): Difference {
  if (reference.users <= 0 || level.users <= 0) return { effect: null, pValue: null };
  const p0 = reference.conversions / reference.users;
  const p1 = level.conversions / level.users;
  const se = Math.sqrt((p0 * (1 - p0)) / reference.users + (p1 * (1 - p1)) / level.users);
  const half = normalQuantile(QUANTILE) * se;
  const d = p1 - p0;
  return {
    effect: { value: d, ci: [d - half, d + half] },
    pValue: twoProportionZTest(reference, level)?.pValue ?? null,
  };
}

/**
 * A level's mean against the reference level's: the difference with Welch's t interval (on the
 * Welch–Satterthwaite degrees of freedom) and Welch's test.
 */
export function meanDifference(reference: MetricMoments, level: MetricMoments): Difference {
  if (reference.mean === null || level.mean === null) return { effect: null, pValue: null };
  const d = level.mean - reference.mean;
  const test = welchTTest(reference, level);
  if (test === null || reference.variance === null || level.variance === null)
    return { effect: { value: d, ci: null }, pValue: null };
  const half =
    studentTQuantile(QUANTILE, test.df) *
    Math.sqrt(reference.variance / reference.n + level.variance / level.n);
  return { effect: { value: d, ci: [d - half, d + half] }, pValue: test.pValue };
}
