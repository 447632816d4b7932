import { fSurvival } from './distributions.js';
import type { Factor } from './factorial-cells.js';
import {
  factorialTerms,
  termColumns,
  typeTwoModels,
  type FactorialTerm,
} from './factorial-terms.js';
import type { MetricMoments } from './experiments.schema.js';
import { weightedLeastSquares } from './weighted-least-squares.js';

/** One row of an ANOVA or likelihood-ratio table. */
export interface TermTest {
  term: string;
  factors: string[];
  df: number;
  /** ANOVA: the term's type II sum of squares; null in a likelihood-ratio table. */
  sumSquares: number | null;
  /** F (ANOVA) or the likelihood-ratio chi-square (logistic regression). */
  statistic: number | null;
  pValue: number | null;
}

export interface AnovaTable {
  terms: TermTest[];
  residual: { df: number; sumSquares: number };
}

/** A cell of a factorial experiment: its level of each factor and its data. */
export interface FactorialCellData<T> {
  levels: Readonly<Record<string, string>>;
  data: T;
}

/**
 * Two-way ANOVA with type II sums of squares, from each cell's n, mean and variance (sufficient,
 * since the model only sees which cell a unit is in): main effects and two-way interactions as
 * categorical terms, treatment-coded. A model's residual sum of squares is the within-cell one,
 * Σ(nᵢ − 1)sᵢ², plus Σnᵢ(ȳᵢ − fittedᵢ)² from the weighted fit of the cell means. Each term's sum of
 * squares is the drop in residual when it is added to the model of the terms not containing it;
 * F = (SS/df) / (residual SS / residual df), residual df = units − rank of the full model.
 * Cells without units take no part. Null when there is no residual degree of freedom or spread.
 */
export function factorialAnova(
  factors: readonly Factor[],
  cells: readonly FactorialCellData<MetricMoments>[],
): AnovaTable | null {
  const rows = cells.filter((c) => c.data.n > 0 && c.data.mean !== null);
  const weights = Float64Array.from(rows, (c) => c.data.n);
  const means = Float64Array.from(rows, (c) => c.data.mean ?? 0);
  const within = rows.reduce((s, c) => s + (c.data.n - 1) * (c.data.variance ?? 0), 0);
  const units = rows.reduce((s, c) => s + c.data.n, 0);
  const levels = rows.map((c) => c.levels);
  const fit = (terms: readonly FactorialTerm[]) => {
    const columns: Float64Array[] = [new Float64Array(rows.length).fill(1)];
    for (const t of terms) columns.push(...termColumns(t, factors, levels));
    const r = weightedLeastSquares(columns, weights, means);
    return { between: r.rss, rank: r.rank };
  };
  const terms = factorialTerms(factors);
  const full = fit(terms);
  const residualDf = units - full.rank;
  const residual = within + full.between;
  if (residualDf <= 0 || !(residual > 0)) return null;
  const scale = residual / residualDf;
  return {
    terms: terms.map((term) => {
      const models = typeTwoModels(term, terms);
      const without = fit(models.reduced);
      const withTerm = fit(models.full);
      const df = withTerm.rank - without.rank;
      const sumSquares = Math.max(0, without.between - withTerm.between);
      const statistic = df > 0 ? sumSquares / df / scale : null;
      return {
        term: term.name,
        factors: term.factors,
        df,
        sumSquares,
        statistic,
        pValue: statistic === null ? null : fSurvival(statistic, df, residualDf),
      };
    }),
    residual: { df: residualDf, sumSquares: residual },
  };
}
