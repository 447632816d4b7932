import { betaCdf, logBeta, normalCdf, normalPdf } from './distributions.js';
import type { ConversionCounts, MetricMoments } from './experiments.schema.js';

/** A posterior: its density and distribution function, and a window holding its mass. */
export interface Posterior {
  pdf: (x: number) => number;
  cdf: (x: number) => number;
  mean: number;
  from: number;
  to: number;
}

/** Half-width of the window integrated, in posterior standard deviations. */
const WINDOW = 12;
/** Simpson intervals per arm. */
const STEPS = 600;

/** A rate's posterior under the uniform Beta(1, 1) prior: Beta(1 + x, 1 + n − x). */
export function betaPosterior({ users, conversions }: ConversionCounts): Posterior {
  const a = 1 + conversions;
  const b = 1 + users - conversions;
  const mean = a / (a + b);
  const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
  const lnB = logBeta(a, b);
  return {
    pdf: (x) =>
      x <= 0 || x >= 1 ? 0 : Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - lnB),
    cdf: (x) => (x <= 0 ? 0 : x >= 1 ? 1 : betaCdf(x, a, b)),
    mean,
    from: Math.max(0, mean - WINDOW * sd),
    to: Math.min(1, mean + WINDOW * sd),
  };
}

/**
 * A mean's posterior with a flat prior, in the normal approximation the pairwise chance to beat
 * control uses: N(ȳ, s²/n). Null below two units or without spread.
 */
export function normalPosterior({ n, mean, variance }: MetricMoments): Posterior | null {
  if (mean === null || variance === null || !(variance > 0) || n < 2) return null;
  const sd = Math.sqrt(variance / n);
  return {
    pdf: (x) => normalPdf((x - mean) / sd) / sd,
    cdf: (x) => normalCdf((x - mean) / sd),
    mean,
    from: mean - WINDOW * sd,
    to: mean + WINDOW * sd,
  };
}

/**
 * The chance that each arm is the best (highest), the arms independent:
 * P(i best) = ∫ fᵢ(x) Πⱼ≠ᵢ Fⱼ(x) dx, by Simpson's rule over ±12 standard deviations of arm i's
 * posterior (outside it fᵢ is below 10⁻³¹ of its peak). An arm without a posterior (null) has a
 * null chance and takes no part.
 */
export function chanceToBeBest(posteriors: readonly (Posterior | null)[]): (number | null)[] {
  const arms = posteriors.filter((p): p is Posterior => p !== null);
  return posteriors.map((p) => {
    if (p === null) return null;
    const others = arms.filter((q) => q !== p);
    const h = (p.to - p.from) / STEPS;
    if (!(h > 0)) return null;
    let sum = 0;
    for (let k = 0; k <= STEPS; k++) {
      const x = p.from + k * h;
      let value = p.pdf(x);
      for (const q of others) {
        if (value === 0) break;
        value *= q.cdf(x);
      }
      sum += (k === 0 || k === STEPS ? 1 : k % 2 === 1 ? 4 : 2) * value;
    }
    return Math.min(1, Math.max(0, (sum * h) / 3));
  });
}
