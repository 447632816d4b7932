import type { ArmCounts, RandomSource } from './decide.schema.js';
import { sampleBeta } from './sample-beta.js';

/**
 * Thompson sampling for conversion rates: one draw θᵢ ~ Beta(1 + conversionsᵢ, 1 + exposuresᵢ −
 * conversionsᵢ) per arm (its posterior under a uniform prior), and the arm with the largest draw
 * (the first of equal draws); -1 without arms. Each arm is served with the probability that it is
 * the best one given the counts so far.
 */
export function thompsonSample(
  arms: readonly ArmCounts[],
  random: RandomSource,
): { best: number; draws: number[] } {
  let best = -1;
  let highest = -Infinity;
  const draws: number[] = [];
  for (const [i, arm] of arms.entries()) {
    const conversions = Math.max(0, Math.min(arm.conversions, arm.exposures));
    const draw = sampleBeta(1 + conversions, 1 + Math.max(0, arm.exposures - conversions), random);
    draws.push(draw);
    if (draw > highest) {
      highest = draw;
      best = i;
    }
  }
  return { best, draws };
}
