import reference from './sampler.reference.json' with { type: 'json' };

/** The SciPy reference (make-sampler-reference.py): per case, quantiles at k/grid, mean and variance. */
export { reference };

/**
 * The Kolmogorov–Smirnov distance between `draws` and the reference distribution, on its quantile
 * grid: max over k of |share of draws ≤ q_k − k/grid|. The exact distance (over every x) is at most
 * 1/grid more, since both CDFs are monotone between grid points.
 */
export function ksDistanceOnGrid(
  draws: readonly number[],
  quantiles: readonly number[],
  grid: number,
): number {
  const sorted = Float64Array.from(draws).sort();
  let below = 0;
  let distance = 0;
  for (const [i, q] of quantiles.entries()) {
    while (below < sorted.length && (sorted[below] ?? Infinity) <= q) below++;
    distance = Math.max(distance, Math.abs(below / sorted.length - (i + 1) / grid));
  }
  return distance;
}

/** n draws of `draw`. */
export function drawMany(n: number, draw: () => number): number[] {
  return Array.from({ length: n }, draw);
}
