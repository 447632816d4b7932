import { chiSquareSurvival } from './distributions.js';
import type { ConversionCounts, OmnibusResult } from './experiments.schema.js';

/**
 * Pearson's chi-square test of independence of arm and outcome on the k × 2 table of conversions
 * and non-conversions: X² = Σ (O − E)² / E, E = row total × column total / N, k − 1 degrees of
 * freedom, no continuity correction (with two arms X² is the pooled z test's z², so the omnibus
 * and the pairwise p-value agree). Arms without units are left out; null with fewer than two arms
 * left, or when nobody or everybody converted (no variation to test).
 */
export function chiSquareIndependence(counts: readonly ConversionCounts[]): OmnibusResult {
  const arms = counts.filter((c) => c.users > 0);
  const total = arms.reduce((a, c) => a + c.users, 0);
  const converted = arms.reduce((a, c) => a + c.conversions, 0);
  if (arms.length < 2 || converted <= 0 || converted >= total) return null;
  const rate = converted / total;
  let statistic = 0;
  for (const { users, conversions } of arms) {
    const expectedYes = users * rate;
    const expectedNo = users - expectedYes;
    statistic +=
      (conversions - expectedYes) ** 2 / expectedYes +
      (users - conversions - expectedNo) ** 2 / expectedNo;
  }
  const df = arms.length - 1;
  return {
    test: 'chi-square',
    statistic,
    df,
    df2: null,
    pValue: chiSquareSurvival(statistic, df),
    arms: arms.length,
  };
}
