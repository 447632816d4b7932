import { Type, type Static, type TSchema } from 'typebox';

/** Confidence of every interval reported (two-sided). */
export const CONFIDENCE_LEVEL = 0.95;

/** A sample ratio mismatch is flagged when the chi-square p-value falls below this. */
export const SRM_THRESHOLD = 0.001;

/**
 * The mSPRT mixture's default standard deviation, as a fraction of the metric's per-unit standard
 * deviation (τ = 0.05 σ̂): tuned to standardized effects of about 0.05. See docs/experiments-statistics.md.
 */
export const DEFAULT_TAU_RATIO = 0.05;

/** A conversion metric in one variant: units counted and units that converted (integers). */
export interface ConversionCounts {
  users: number;
  conversions: number;
}

/** A numeric metric in one variant: the number of units, Σy and Σy² over them. */
export interface MeanSums {
  n: number;
  sum: number;
  sumSquares: number;
}

/**
 * A ratio metric in one variant (a mean over events, such as revenue per order, whose events come
 * in clusters: a person's): n units (people, those without events included) and, over them, Σy,
 * Σy², Σm, Σm² and Σym, y a unit's total of the value and m its number of values. `withValues`
 * is how many of the n units have at least one value (m > 0): the ratio is a mean over those, so
 * its variance and degrees of freedom count them (default n: every unit has values).
 */
export interface RatioSums extends MeanSums {
  count: number;
  countSquares: number;
  sumTimesCount: number;
  withValues?: number;
}

/**
 * For CUPED: sums over the same units of each one's pre-assignment value x of the metric:
 * Σx, Σx² and Σxy (y the metric after assignment).
 */
export interface CovariateSums {
  sumPre: number;
  sumPreSquares: number;
  sumCross: number;
}

/** What one variant holds for one metric: counts or sums, and the covariate sums when known. */
export type MetricData = (ConversionCounts | MeanSums | RatioSums) & Partial<CovariateSums>;

/** One variant's sufficient statistics: `users` assigned, its split `weight` (default 1). */
export interface VariantSummary {
  id: string;
  users: number;
  weight?: number;
  metrics: Record<string, MetricData>;
}

/** An experiment's variants; the control is `control` or, without it, the first variant. */
export interface ExperimentSummary {
  variants: VariantSummary[];
  control?: string;
}

/** n, mean and sample variance (n − 1 denominator; null below two units). */
export interface MetricMoments {
  n: number;
  mean: number | null;
  variance: number | null;
}

export const ExperimentMetric = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    type: Type.Union([Type.Literal('conversion'), Type.Literal('mean'), Type.Literal('ratio')], {
      description:
        'conversion: share of units that converted; mean: average of a value per unit; ratio: Σ values / Σ counts over units (a mean over events clustered in units), by the delta method',
    }),
    tau2: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          "The mSPRT mixture variance, in the metric's units squared (default: (0.05 σ̂)²)",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExperimentMetric = Static<typeof ExperimentMetric>;

function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const ConfidenceInterval = Nullable(Type.Tuple([Type.Number(), Type.Number()]));
export type ConfidenceInterval = Static<typeof ConfidenceInterval>;

/** Relative uplift against control (treatment / control − 1) and its 95% interval. */
export const UpliftResult = Nullable(Type.Object({ value: Type.Number(), ci: ConfidenceInterval }));
export type UpliftResult = Static<typeof UpliftResult>;

/** The always-valid (mSPRT) p-value at this look, and the mixture variance used. */
export const SequentialResult = Nullable(
  Type.Object({ pValue: Type.Number(), tau2: Type.Number() }),
);
export type SequentialResult = Static<typeof SequentialResult>;

const comparisonProperties = {
  uplift: UpliftResult,
  pValue: Nullable(Type.Number()),
  /** Holm-adjusted across the variants compared with control. */
  pValueAdjusted: Nullable(Type.Number()),
  chanceToBeatControl: Nullable(Type.Number()),
  /** E[max(control − variant, 0)]: what choosing this variant is expected to lose, in metric units. */
  expectedLoss: Nullable(Type.Number()),
  sequential: SequentialResult,
};

/** A variant compared with control; every field is null for the control itself. */
export const ComparisonResult = Type.Object(comparisonProperties);
export type ComparisonResult = Static<typeof ComparisonResult>;

/** A treatment against control, before the adjustment for multiple variants. */
export type UnadjustedComparison = Omit<ComparisonResult, 'pValueAdjusted'>;

export const CupedResult = Nullable(
  Type.Object({
    theta: Type.Number(),
    mean: Nullable(Type.Number()),
    ci: ConfidenceInterval,
    varianceReduction: Nullable(Type.Number()),
    ...comparisonProperties,
  }),
);
export type CupedResult = Static<typeof CupedResult>;

export const MetricResult = Type.Union([
  Type.Object({
    type: Type.Literal('conversion'),
    users: Type.Number(),
    conversions: Type.Number(),
    rate: Nullable(Type.Number()),
    ci: ConfidenceInterval,
    ...comparisonProperties,
    cuped: CupedResult,
  }),
  Type.Object({
    type: Type.Literal('mean'),
    /** Values averaged (for a ratio metric, the events). */
    n: Type.Number(),
    /** For a ratio metric: the units (people) the values are clustered in. */
    users: Type.Optional(Type.Number()),
    mean: Nullable(Type.Number()),
    ci: ConfidenceInterval,
    ...comparisonProperties,
    cuped: CupedResult,
  }),
]);
export type MetricResult = Static<typeof MetricResult>;

export const VariantResult = Type.Object({
  id: Type.String(),
  users: Type.Number(),
  metrics: Type.Record(Type.String(), MetricResult),
});
export type VariantResult = Static<typeof VariantResult>;

export const SrmResult = Type.Object({
  chiSquare: Nullable(Type.Number()),
  pValue: Nullable(Type.Number()),
  ok: Type.Boolean(),
});
export type SrmResult = Static<typeof SrmResult>;

/**
 * One test of "no difference between any of the arms", read before the pairwise comparisons:
 * Pearson's chi-square test of independence of arm and conversion (k × 2 table, no continuity
 * correction, `df` = k − 1) for conversion metrics; Welch's ANOVA (F on `df` and the fractional
 * `df2`) for mean and ratio metrics. Null when it cannot be run (see experiments-statistics.md).
 */
export const OmnibusResult = Nullable(
  Type.Object({
    test: Type.Union([Type.Literal('chi-square'), Type.Literal('welch-anova')]),
    /** X² or F. */
    statistic: Type.Number(),
    df: Type.Number(),
    /** Welch's ANOVA: the denominator degrees of freedom; null for the chi-square. */
    df2: Nullable(Type.Number()),
    pValue: Type.Number(),
    /** The arms in the test (arms without units or values are left out). */
    arms: Type.Integer(),
  }),
);
export type OmnibusResult = Static<typeof OmnibusResult>;

export const ExperimentResult = Type.Object({
  control: Type.String(),
  /** Per metric, the omnibus test across all arms; the pairwise comparisons (Holm) follow in `variants`. */
  omnibus: Type.Record(Type.String(), OmnibusResult),
  variants: Type.Array(VariantResult),
  srm: SrmResult,
});
export type ExperimentResult = Static<typeof ExperimentResult>;
