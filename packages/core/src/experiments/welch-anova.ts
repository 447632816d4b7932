import { fSurvival } from './distributions.js';
import type { MetricMoments, OmnibusResult } from './experiments.schema.js';

/**
 * Welch's ANOVA (Welch 1951): a test that the arms' means are equal without assuming equal
 * variances. With wᵢ = nᵢ / sᵢ², W = Σwᵢ, ȳ_w = Σwᵢȳᵢ / W and Λ = Σ (1 − wᵢ/W)² / (nᵢ − 1):
 * F = [Σwᵢ(ȳᵢ − ȳ_w)² / (k − 1)] / [1 + 2(k − 2)Λ / (k² − 1)], on k − 1 and (k² − 1) / (3Λ)
 * degrees of freedom. With two arms F is Welch's t². Arms without values are left out; null with
 * fewer than two left, or when one of them has fewer than two units or no spread.
 */
export function welchAnova(moments: readonly MetricMoments[]): OmnibusResult {
  const arms = moments.filter((m) => m.n > 0);
  const k = arms.length;
  if (k < 2) return null;
  const weights: number[] = [];
  let total = 0;
  let weighted = 0;
  for (const { n, mean, variance } of arms) {
    if (mean === null || variance === null || !(variance > 0) || n < 2) return null;
    const w = n / variance;
    weights.push(w);
    total += w;
    weighted += w * mean;
  }
  const grand = weighted / total;
  let between = 0;
  let lambda = 0;
  arms.forEach(({ n, mean }, i) => {
    const w = weights[i] ?? 0;
    between += w * ((mean ?? 0) - grand) ** 2;
    lambda += (1 - w / total) ** 2 / (n - 1);
  });
  const statistic = between / (k - 1) / (1 + (2 * (k - 2) * lambda) / (k * k - 1));
  const df2 = (k * k - 1) / (3 * lambda);
  return {
    test: 'welch-anova',
    statistic,
    df: k - 1,
    df2,
    pValue: fSurvival(statistic, k - 1, df2),
    arms: k,
  };
}
