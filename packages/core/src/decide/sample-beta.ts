import type { RandomSource } from './decide.schema.js';
import { sampleGamma } from './sample-gamma.js';

/** A Beta(alpha, beta) variate as X / (X + Y), X ~ Gamma(alpha) and Y ~ Gamma(beta) independent. */
export function sampleBeta(alpha: number, beta: number, random: RandomSource): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  // Both underflow to 0 only for tiny shapes (well below 1); fall back on the mean then.
  return x + y > 0 ? x / (x + y) : alpha / (alpha + beta);
}
