import { studentTQuantile } from './distributions.js';
import {
  CONFIDENCE_LEVEL,
  type ConfidenceInterval,
  type MeanSums,
  type MetricMoments,
} from './experiments.schema.js';

/** Mean and sample variance from n, Σy and Σy² (the variance is clamped at 0 against rounding). */
export function meanMoments({ n, sum, sumSquares }: MeanSums): MetricMoments {
  if (n <= 0) return { n: 0, mean: null, variance: null };
  const mean = sum / n;
  const variance = n < 2 ? null : Math.max(0, (sumSquares - sum * mean) / (n - 1));
  return { n, mean, variance };
}

/** The t interval for a mean: ȳ ± t(0.975, n − 1) · s / √n; null below two units. */
export function meanInterval({ n, mean, variance }: MetricMoments): ConfidenceInterval {
  if (mean === null || variance === null) return null;
  const half = studentTQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2, n - 1) * Math.sqrt(variance / n);
  return [mean - half, mean + half];
}
