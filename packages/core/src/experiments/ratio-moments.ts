import type { MetricMoments, RatioSums } from './experiments.schema.js';

/**
 * A ratio metric R = Σy / Σm (y a unit's total, m its count of values) as moments the mean
 * statistics take: the units with values, mean R, and the variance of the delta method's
 * linearization Lᵢ = R + (yᵢ − R·mᵢ) / m̄, so that variance / k is Var(R) with the units as
 * clusters (Deng, Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics"). As
 * Σ(yᵢ − R·mᵢ) = 0, the variance is (Σy² − 2R·Σym + R²·Σm²) / ((k − 1)·m̄²).
 *
 * k is the number of units with at least one value (`withValues`, default n), m̄ = Σm / k: a unit
 * without values (m = 0, y = 0) tells nothing about the ratio, and counting it would add a degree of
 * freedom per person who never ordered, turning the t test into a z test (and shrinking the
 * variance by (k − 1)/k against (n − 1)/n). With one value per unit the test is exactly Welch's t
 * test on the values. Mean null without values; variance null below two units with values
 * (clamped at 0 against rounding).
 */
export function ratioMoments({
  n,
  sum,
  sumSquares,
  count,
  countSquares,
  sumTimesCount,
  withValues,
}: RatioSums): MetricMoments {
  const units = Math.max(0, withValues ?? n);
  if (units <= 0 || count <= 0) return { n: units, mean: null, variance: null };
  const ratio = sum / count;
  if (units < 2) return { n: units, mean: ratio, variance: null };
  const meanCount = count / units;
  const residuals = sumSquares - 2 * ratio * sumTimesCount + ratio * ratio * countSquares;
  return {
    n: units,
    mean: ratio,
    variance: Math.max(0, residuals / ((units - 1) * meanCount * meanCount)),
  };
}
