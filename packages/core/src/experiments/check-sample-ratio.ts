import { chiSquareSurvival } from './distributions.js';
import { SRM_THRESHOLD, type SrmResult } from './experiments.schema.js';

/**
 * Sample ratio mismatch: Pearson's chi-square goodness of fit of the units assigned to each variant
 * against the split the weights ask for, X² = Σ (o − e)² / e with e = N wᵢ / Σw, k − 1 degrees of
 * freedom. Flagged (`ok: false`) when p < 0.001. A variant weighted 0 takes no part unless units
 * were assigned to it, which is a mismatch outright. Without units there is nothing to test.
 */
export function checkSampleRatio(counts: readonly number[], weights: readonly number[]): SrmResult {
  const total = counts.reduce((a, b) => a + b, 0);
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || weightTotal <= 0) return { chiSquare: null, pValue: null, ok: true };
  let chiSquare = 0;
  let categories = 0;
  for (const [i, observed] of counts.entries()) {
    const expected = (total * (weights[i] ?? 0)) / weightTotal;
    if (expected > 0) {
      chiSquare += (observed - expected) ** 2 / expected;
      categories++;
    } else if (observed > 0) {
      return { chiSquare: null, pValue: 0, ok: false };
    }
  }
  if (categories < 2) return { chiSquare: null, pValue: null, ok: true };
  const pValue = chiSquareSurvival(chiSquare, categories - 1);
  return { chiSquare, pValue, ok: pValue >= SRM_THRESHOLD };
}
