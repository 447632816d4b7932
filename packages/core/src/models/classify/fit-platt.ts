import { sigmoid } from './logistic-regression.js';

/** Platt scaling: P(y = 1) = σ(−(a·f + b)) for a classifier's decision value f (its log-odds). */
export interface PlattScaling {
  method: 'platt';
  a: number;
  b: number;
}

const MAX_ITERATIONS = 100;

/**
 * Fits Platt scaling (Platt 2000) to decision values and their outcomes, as scikit-learn's
 * `CalibratedClassifierCV(method='sigmoid')` does: the targets are Platt's smoothed ones
 * ((N₊+1)/(N₊+2) for a 1, 1/(N₋+2) for a 0) and the log-loss is minimized over (a, b), here by
 * Newton's method (the loss is convex in (a, b); a step is halved while it does not lower it).
 */
export function fitPlatt(decisions: readonly number[], labels: readonly (0 | 1)[]): PlattScaling {
  const positives = labels.filter((y) => y === 1).length;
  const negatives = labels.length - positives;
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const loss = (a: number, b: number) => {
    let sum = 0;
    decisions.forEach((f, i) => {
      const t = labels[i] === 1 ? high : low;
      const z = -(a * f + b);
      // −[t log σ(z) + (1−t) log(1−σ(z))], stably: log(1+e^z) − t·z
      sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - t * z;
    });
    return sum;
  };
  let a = 0;
  let b = Math.log((negatives + 1) / (positives + 1));
  let current = loss(a, b);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    decisions.forEach((f, i) => {
      const t = labels[i] === 1 ? high : low;
      const p = sigmoid(-(a * f + b));
      const d = t - p; // ∂loss/∂b; ∂loss/∂a = d·f
      const w = p * (1 - p);
      ga += d * f;
      gb += d;
      haa += w * f * f;
      hab += w * f;
      hbb += w;
    });
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    let da = (hbb * ga - hab * gb) / det;
    let db = (haa * gb - hab * ga) / det;
    let next = loss(a - da, b - db);
    for (let halvings = 0; next > current && halvings < 30; halvings++) {
      da /= 2;
      db /= 2;
      next = loss(a - da, b - db);
    }
    if (next > current) break;
    a -= da;
    b -= db;
    const moved = Math.max(Math.abs(da), Math.abs(db));
    current = next;
    if (moved < 1e-12) break;
  }
  return { method: 'platt', a, b };
}

/** The calibrated probability of a decision value. */
export function applyPlatt(scaling: PlattScaling, decision: number): number {
  return sigmoid(-(scaling.a * decision + scaling.b));
}
