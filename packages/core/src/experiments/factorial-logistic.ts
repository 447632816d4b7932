import { chiSquareSurvival } from './distributions.js';
import type { FactorialCellData, TermTest } from './factorial-anova.js';
import type { Factor } from './factorial-cells.js';
import {
  factorialTerms,
  termColumns,
  typeTwoModels,
  type FactorialTerm,
} from './factorial-terms.js';
import type { ConversionCounts } from './experiments.schema.js';
import { weightedLeastSquares } from './weighted-least-squares.js';

export interface LogisticTable {
  terms: TermTest[];
  /** The full model's residual deviance (against the saturated model of the cells) and its df. */
  residual: { df: number; deviance: number };
}

/**
 * Logistic regression of conversion on the factors as categorical terms (main effects and two-way
 * interactions, treatment-coded), fitted to the cells' counts (a binomial GLM on cell totals has
 * the likelihood of the per-person model up to a constant), by iteratively reweighted least
 * squares. Each term gets a likelihood-ratio test, type II: the deviance of the model of the terms
 * not containing it, less that of the same model with it, on the difference of their ranks, a
 * chi-square. Cells without users take no part. Null when nobody or everybody converted.
 */
export function factorialLogistic(
  factors: readonly Factor[],
  cells: readonly FactorialCellData<ConversionCounts>[],
): LogisticTable | null {
  const rows = cells.filter((c) => c.data.users > 0);
  const users = rows.reduce((s, c) => s + c.data.users, 0);
  const converted = rows.reduce((s, c) => s + c.data.conversions, 0);
  if (converted <= 0 || converted >= users) return null;
  const n = Float64Array.from(rows, (c) => c.data.users);
  const y = Float64Array.from(rows, (c) => c.data.conversions);
  const levels = rows.map((c) => c.levels);
  const fit = (terms: readonly FactorialTerm[]) => {
    const columns: Float64Array[] = [new Float64Array(rows.length).fill(1)];
    for (const t of terms) columns.push(...termColumns(t, factors, levels));
    return fitBinomial(columns, n, y);
  };
  const terms = factorialTerms(factors);
  const full = fit(terms);
  return {
    terms: terms.map((term) => {
      const models = typeTwoModels(term, terms);
      const without = fit(models.reduced);
      const withTerm = fit(models.full);
      const df = withTerm.rank - without.rank;
      const statistic = df > 0 ? Math.max(0, without.deviance - withTerm.deviance) : null;
      return {
        term: term.name,
        factors: term.factors,
        df,
        sumSquares: null,
        statistic,
        pValue: statistic === null ? null : chiSquareSurvival(statistic, df),
      };
    }),
    residual: { df: rows.length - full.rank, deviance: full.deviance },
  };
}

const MAX_ITERATIONS = 100;
/** Fitted probabilities are kept this far from 0 and 1 (a cell where nobody converted pushes its logit to −∞). */
const EDGE = 1e-12;

/** A binomial GLM with the logit link by IRLS: its deviance and rank. */
function fitBinomial(
  columns: Float64Array[],
  n: Float64Array,
  y: Float64Array,
): { deviance: number; rank: number } {
  const rows = n.length;
  const mu = Float64Array.from(y, (yi, i) => (yi + 0.5) / ((n[i] ?? 0) + 1));
  const eta = mu.map((m) => Math.log(m / (1 - m)));
  let deviance = binomialDeviance(n, y, mu);
  let rank = 0;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const weights = new Float64Array(rows);
    const working = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const m = mu[i] ?? 0;
      const v = m * (1 - m);
      weights[i] = (n[i] ?? 0) * v;
      working[i] = (eta[i] ?? 0) + ((y[i] ?? 0) / (n[i] ?? 1) - m) / v;
    }
    const step = weightedLeastSquares(columns, weights, working);
    rank = step.rank;
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-(step.fitted[i] ?? 0)));
      mu[i] = Math.min(1 - EDGE, Math.max(EDGE, p));
      eta[i] = Math.log((mu[i] ?? 0) / (1 - (mu[i] ?? 0)));
    }
    const next = binomialDeviance(n, y, mu);
    const done = Math.abs(deviance - next) <= 1e-13 * (Math.abs(next) + 1);
    deviance = next;
    if (done) break;
  }
  return { deviance, rank };
}

/** 2 Σ [y ln(y / nμ) + (n − y) ln((n − y) / (n − nμ))], with 0 ln 0 = 0. */
function binomialDeviance(n: Float64Array, y: Float64Array, mu: Float64Array): number {
  let d = 0;
  for (let i = 0; i < n.length; i++) {
    const total = n[i] ?? 0;
    const yes = y[i] ?? 0;
    const m = mu[i] ?? 0;
    if (yes > 0) d += yes * Math.log(yes / (total * m));
    if (total - yes > 0) d += (total - yes) * Math.log((total - yes) / (total * (1 - m)));
  }
  return 2 * d;
}
