/** Comparison patterns: each distinct vector of field levels (-1 = missing) with how often it occurs. */
export interface Pattern {
  levels: number[];
  count: number;
}

export interface FellegiSunterModel {
  /** m[field][level]: P(level | the pair is one person). */
  m: number[][];
  /** u[field][level] among the candidate pairs: P(level | two people who were blocked together). */
  u: number[][];
  /** Share of candidate pairs that are matches. */
  prior: number;
  iterations: number;
  converged: boolean;
}

/**
 * u probabilities from pairs of records drawn at random: almost all are two different people, so
 * how often their fields agree by chance is u. Laplace-smoothed so no level has probability 0.
 */
export function estimateU(
  randomPatterns: readonly Pattern[],
  levelCounts: readonly number[],
): number[][] {
  return levelCounts.map((levels, f) => {
    const counts = new Array<number>(levels).fill(1);
    let total = levels;
    for (const p of randomPatterns) {
      const level = p.levels[f] ?? -1;
      if (level < 0) continue;
      counts[level] = (counts[level] ?? 0) + p.count;
      total += p.count;
    }
    return counts.map((c) => c / total);
  });
}

/** Weight of the random-pair u, in pairs, as a prior for u among candidates (keeps it off zero). */
const U_PRIOR_WEIGHT = 1;

/**
 * Expectation-maximisation for the m and u probabilities and the match share among the candidate
 * pairs, without labels. u starts from (and is pulled toward) the random-pair estimate but is
 * re-estimated among candidates: blocked non-matches agree on the blocking fields far more often
 * than random pairs, and a fixed u would push them into the match class.
 */
export function estimateModel(
  patterns: readonly Pattern[],
  u: number[][],
  options: { iterations: number; tolerance?: number },
): FellegiSunterModel {
  const tolerance = options.tolerance ?? 1e-7;
  // Start: matches mostly agree exactly; 5 % of candidate pairs are matches.
  let m = u.map((levels) =>
    levels.map((_, l) => (l === levels.length - 1 ? 0.9 : 0.1 / (levels.length - 1))),
  );
  let uu = u;
  let prior = 0.05;
  let iterations = 0;
  let converged = false;
  while (iterations < options.iterations && !converged) {
    iterations++;
    const mCounts = u.map((levels) => levels.map(() => 0));
    const uCounts = u.map((levels) => levels.map(() => 0));
    let matched = 0;
    let total = 0;
    for (const p of patterns) {
      const g = posterior(p.levels, m, uu, prior);
      matched += g * p.count;
      total += p.count;
      p.levels.forEach((level, f) => {
        const row = mCounts[f];
        const urow = uCounts[f];
        if (level >= 0 && row && urow) {
          row[level] = (row[level] ?? 0) + g * p.count;
          urow[level] = (urow[level] ?? 0) + (1 - g) * p.count;
        }
      });
    }
    const next = mCounts.map((row) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((c) => (c + 1e-6) / (sum + 1e-6 * row.length));
    });
    // u among candidates mixes what random pairs show with what blocked non-matches show.
    const nextU = uCounts.map((row, f) => {
      const sum = row.reduce((a, b) => a + b, 0);
      return row.map((c, l) => (c + U_PRIOR_WEIGHT * (u[f]?.[l] ?? 0)) / (sum + U_PRIOR_WEIGHT));
    });
    const nextPrior = Math.min(1 - 1e-9, Math.max(1e-9, matched / Math.max(1, total)));
    const change = Math.max(
      Math.abs(nextPrior - prior),
      ...next.flatMap((row, f) => row.map((v, l) => Math.abs(v - (m[f]?.[l] ?? 0)))),
    );
    m = next;
    uu = nextU;
    prior = nextPrior;
    converged = change < tolerance;
  }
  return { m, u: uu, prior, iterations, converged };
}

/** The match weight of a pattern: the sum over observed fields of log2(m/u). */
export function matchWeight(levels: readonly number[], m: number[][], u: number[][]): number {
  let w = 0;
  levels.forEach((level, f) => {
    if (level >= 0) w += Math.log2((m[f]?.[level] ?? 1) / (u[f]?.[level] ?? 1));
  });
  return w;
}

/** P(match | pattern) from the weight and the prior. */
export function posterior(
  levels: readonly number[],
  m: number[][],
  u: number[][],
  prior: number,
): number {
  const w = matchWeight(levels, m, u);
  return 1 / (1 + ((1 - prior) / prior) * 2 ** -w);
}
