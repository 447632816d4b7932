import { Type, type Static, type TSchema } from 'typebox';
import { ConfidenceInterval } from './experiments.schema.js';

function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A row of the model's table: a main effect or a two-way interaction, type II. */
export const TermTestResult = Type.Object({
  /** `headline`, or `headline:image` for an interaction. */
  term: Type.String(),
  factors: Type.Array(Type.String()),
  df: Type.Number(),
  /** ANOVA: the type II sum of squares; null for logistic regression. */
  sumSquares: Nullable(Type.Number()),
  /** F (ANOVA) or the likelihood-ratio chi-square (logistic regression). */
  statistic: Nullable(Type.Number()),
  pValue: Nullable(Type.Number()),
});
export type TermTestResult = Static<typeof TermTestResult>;

/**
 * One level of a factor, over everyone assigned it (whatever their other levels): the rate or mean
 * with its interval, and the main effect against the factor's first level, a difference in the
 * metric's units with its interval and the pairwise test's p-value (Holm-adjusted within the factor).
 */
export const LevelEffectResult = Type.Object({
  level: Type.String(),
  /** People assigned this level. */
  users: Type.Number(),
  /** Units the value is over: people, or for a ratio metric its events. */
  n: Type.Number(),
  /** The rate or the mean. */
  value: Nullable(Type.Number()),
  ci: ConfidenceInterval,
  /** value − the first level's value, null on the first level. */
  effect: Nullable(Type.Object({ value: Type.Number(), ci: ConfidenceInterval })),
  pValue: Nullable(Type.Number()),
  pValueAdjusted: Nullable(Type.Number()),
});
export type LevelEffectResult = Static<typeof LevelEffectResult>;

/** Two factors' levels crossed: the rate or mean of each pair, over the other factors. */
export const InteractionCellResult = Type.Object({
  levels: Type.Record(Type.String(), Type.String()),
  users: Type.Number(),
  n: Type.Number(),
  value: Nullable(Type.Number()),
});
export type InteractionCellResult = Static<typeof InteractionCellResult>;

/**
 * The Bayesian view: independent posteriors (Beta(1 + x, 1 + n − x) for rates, the normal
 * approximation N(ȳ, s²/n) with a flat prior for means), each cell's and each level's posterior
 * mean and chance to be the best (highest) of its set, and each level's chance to beat the
 * factor's first level.
 */
export const FactorialBayesianResult = Type.Object({
  cells: Type.Array(
    Type.Object({
      id: Type.String(),
      mean: Nullable(Type.Number()),
      chanceToBeBest: Nullable(Type.Number()),
    }),
  ),
  mainEffects: Type.Record(
    Type.String(),
    Type.Array(
      Type.Object({
        level: Type.String(),
        mean: Nullable(Type.Number()),
        chanceToBeBest: Nullable(Type.Number()),
        /** P(this level > the first level); null on the first level. */
        chanceToBeatFirst: Nullable(Type.Number()),
      }),
    ),
  ),
});
export type FactorialBayesianResult = Static<typeof FactorialBayesianResult>;

export const FactorialMetricResult = Type.Object({
  type: Type.Union([Type.Literal('conversion'), Type.Literal('mean')]),
  /** logistic-regression (likelihood-ratio tests) for conversions, anova (type II) for means. */
  model: Type.Union([Type.Literal('logistic-regression'), Type.Literal('anova')]),
  /** The model's table, main effects first; null when it cannot be fitted (no variation, no residual). */
  terms: Nullable(Type.Array(TermTestResult)),
  /** ANOVA: residual df and sum of squares; logistic: the residual deviance against the cells. */
  residual: Nullable(
    Type.Object({
      df: Type.Number(),
      sumSquares: Nullable(Type.Number()),
      deviance: Nullable(Type.Number()),
    }),
  ),
  mainEffects: Type.Record(Type.String(), Type.Array(LevelEffectResult)),
  interactions: Type.Array(
    Type.Object({
      term: Type.String(),
      factors: Type.Array(Type.String()),
      cells: Type.Array(InteractionCellResult),
    }),
  ),
  bayesian: FactorialBayesianResult,
});
export type FactorialMetricResult = Static<typeof FactorialMetricResult>;

export const FactorialResult = Type.Object({
  factors: Type.Array(Type.Object({ name: Type.String(), levels: Type.Array(Type.String()) })),
  metrics: Type.Record(Type.String(), FactorialMetricResult),
});
export type FactorialResult = Static<typeof FactorialResult>;
