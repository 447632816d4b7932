import { normalQuantile } from './distributions.js';
import { CONFIDENCE_LEVEL, type ConfidenceInterval } from './experiments.schema.js';

/**
 * The Wilson score interval for a rate (Wilson 1927): good coverage for small samples and rates
 * near 0 or 1, never outside [0, 1], and defined with no conversions. Null without users.
 */
export function wilsonInterval(conversions: number, users: number): ConfidenceInterval {
  if (users <= 0) return null;
  const z = normalQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2);
  const p = conversions / users;
  const z2n = (z * z) / users;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / users + z2n / (4 * users));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
