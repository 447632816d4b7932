/**
 * The always-valid p-value of the mixture sequential probability ratio test (mSPRT) for a difference
 * whose estimate is approximately normal: Johari, Pekelis & Walsh (2017), "Always Valid Inference:
 * Continuous Monitoring of A/B Tests", normal mixture H = N(0, τ²) over the effect. With the estimate
 * d and its variance s² (s² = V/n for n units per arm in the paper's notation) the mixture
 * likelihood ratio is
 *   Λ = √(s² / (s² + τ²)) · exp(τ² d² / (2 s² (s² + τ²)))
 * and p = min(1, 1/Λ). It may be read at every look: the chance that it ever falls below α under
 * the null is at most α. Across looks the caller may keep the running minimum (the paper's p-value);
 * this look's value alone is also valid, and never smaller. Null without variance or mixture.
 */
export function alwaysValidPValue(
  difference: number,
  variance: number,
  tau2: number,
): number | null {
  if (!(variance > 0) || !(tau2 > 0) || !Number.isFinite(difference)) return null;
  const logLikelihoodRatio =
    0.5 * Math.log(variance / (variance + tau2)) +
    (tau2 * difference * difference) / (2 * variance * (variance + tau2));
  return Math.min(1, Math.exp(-logLikelihoodRatio));
}
