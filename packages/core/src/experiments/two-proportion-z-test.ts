import { normalCdf } from './distributions.js';
import type { ConversionCounts } from './experiments.schema.js';

/**
 * The two-proportion z test with the pooled standard error:
 * z = (p_t − p_c) / √(p̄(1 − p̄)(1/n_c + 1/n_t)), p̄ = (x_c + x_t) / (n_c + n_t); two-sided p = 2Φ(−|z|).
 * Null when the pooled rate is 0 or 1 (no variation: the test is undefined).
 */
export function twoProportionZTest(
  control: ConversionCounts,
  treatment: ConversionCounts,
): { z: number; pValue: number } | null {
  if (control.users <= 0 || treatment.users <= 0) return null;
  const pooled = (control.conversions + treatment.conversions) / (control.users + treatment.users);
  const variance = pooled * (1 - pooled) * (1 / control.users + 1 / treatment.users);
  if (!(variance > 0)) return null;
  const difference = treatment.conversions / treatment.users - control.conversions / control.users;
  const z = difference / Math.sqrt(variance);
  return { z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}
