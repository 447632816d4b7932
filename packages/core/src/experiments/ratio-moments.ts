import type { MetricMoments, RatioSums } from './experiments.schema.js';

/**
 * A ratio metric R = Σy / Σm over n units (y a unit's total, m its count of values) as moments the
 * mean statistics take: n units, mean R, and the variance of the delta method's linearization
 * Lᵢ = R + (yᵢ − R·mᵢ) / m̄, so that variance / n is Var(R) with the units as clusters (Deng,
 * Knoblich & Lu 2018, "Applying the Delta Method in Metric Analytics"). As Σ(yᵢ − R·mᵢ) = 0, the
 * variance is (Σy² − 2R·Σym + R²·Σm²) / ((n − 1)·m̄²). Intervals and tests then run on the n − 1
 * degrees of freedom of units, not of events. Mean null without values; variance null below two
 * units (clamped at 0 against rounding).
 */
export function ratioMoments({
  n,
  sum,
  sumSquares,
  count,
  countSquares,
  sumTimesCount,
}: RatioSums): MetricMoments {
  if (n <= 0 || count <= 0) return { n: Math.max(0, n), mean: null, variance: null };
  const ratio = sum / count;
  if (n < 2) return { n, mean: ratio, variance: null };
  const meanCount = count / n;
  const residuals = sumSquares - 2 * ratio * sumTimesCount + ratio * ratio * countSquares;
  return { n, mean: ratio, variance: Math.max(0, residuals / ((n - 1) * meanCount * meanCount)) };
}
