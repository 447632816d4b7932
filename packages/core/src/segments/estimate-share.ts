import { normalQuantile } from '../experiments/distributions.js';

/** How many of a population hold a condition, from a uniform sample drawn without replacement. */
export interface ShareEstimate {
  /** The share of the population estimated (the sample's). */
  share: number;
  /** The number of people estimated: share × population, rounded. */
  estimate: number;
  /** The 95 % interval for the number of people. */
  low: number;
  high: number;
}

/**
 * Estimates how many of `population` people hold a condition that held for `hits` of `sampled`
 * of them, drawn uniformly without replacement: the Wilson score interval (95 %) on the share,
 * with the finite population correction (the sample's effective size is n·(N−1)/(N−n), so the
 * interval closes as the sample nears the population), in people. The people found in the sample
 * are certain, so the interval never goes below `hits` nor above `population − (sampled − hits)`.
 */
export function estimateShare(hits: number, sampled: number, population: number): ShareEstimate {
  if (sampled <= 0 || population <= 0) return { share: 0, estimate: 0, low: 0, high: population };
  const share = hits / sampled;
  if (sampled >= population) return { share, estimate: hits, low: hits, high: hits };
  const [lowShare, highShare] = shareInterval(hits, sampled, population);
  return {
    share,
    estimate: Math.round(share * population),
    low: Math.max(hits, Math.floor(lowShare * population)),
    high: Math.min(population - (sampled - hits), Math.ceil(highShare * population)),
  };
}

/** The 95 % Wilson interval on the share, with the finite population correction (sampled < population). */
export function shareInterval(hits: number, sampled: number, population: number): [number, number] {
  const n = (sampled * (population - 1)) / (population - sampled);
  const share = hits / sampled;
  const z = normalQuantile(0.975);
  const z2n = (z * z) / n;
  const centre = (share + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((share * (1 - share)) / n + z2n / (4 * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
