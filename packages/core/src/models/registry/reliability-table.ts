import type { ReliabilityBin } from './model-definition.schema.js';

/**
 * Predictions against outcomes in `bins` equal-width bins over [0, 1] ((from, to], the first closed), as
 * scikit-learn's `calibration_curve(strategy='uniform')`: per non-empty bin, the mean prediction
 * and the observed rate of 1s.
 */
export function reliabilityTable(
  probabilities: readonly number[],
  labels: readonly (0 | 1)[],
  bins = 10,
): ReliabilityBin[] {
  const step = 1 / bins;
  const count = new Array<number>(bins).fill(0);
  const sum = new Array<number>(bins).fill(0);
  const ones = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    // numpy's searchsorted(edges[1:-1], p, 'left'): the inner edges strictly below p.
    let b = 0;
    while (b < bins - 1 && (b + 1) * step < p) b++;
    count[b] = (count[b] as number) + 1;
    sum[b] = (sum[b] as number) + p;
    ones[b] = (ones[b] as number) + (labels[i] as number);
  });
  const table: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number;
    if (n === 0) continue;
    table.push({
      from: b / bins,
      to: (b + 1) / bins,
      count: n,
      meanPredicted: (sum[b] as number) / n,
      observedRate: (ones[b] as number) / n,
    });
  }
  return table;
}
