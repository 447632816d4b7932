import { err, ok, type Result } from '../result/result.js';
import { checkSampleRatio } from './check-sample-ratio.js';
import { chiSquareIndependence } from './chi-square-independence.js';
import { compareMeans } from './compare-means.js';
import { compareRates } from './compare-rates.js';
import { cupedAdjust, type CupedSums } from './cuped-adjust.js';
import type {
  ComparisonResult,
  ConversionCounts,
  CupedResult,
  ExperimentMetric,
  ExperimentResult,
  ExperimentSummary,
  MeanSums,
  MetricData,
  MetricResult,
  MetricMoments,
  OmnibusResult,
  RatioSums,
  UnadjustedComparison,
} from './experiments.schema.js';
import { findSummaryProblem } from './find-summary-problem.js';
import { holmAdjust } from './holm-adjust.js';
import { meanInterval, meanMoments } from './mean-moments.js';
import { ratioMoments } from './ratio-moments.js';
import { welchAnova } from './welch-anova.js';
import { wilsonInterval } from './wilson-interval.js';

const NO_COMPARISON: ComparisonResult = {
  uplift: null,
  pValue: null,
  pValueAdjusted: null,
  chanceToBeatControl: null,
  expectedLoss: null,
  sequential: null,
};

/**
 * An experiment's results: per variant and metric the rate or mean with its interval and, against
 * the control, uplift, p-value (Holm-adjusted across variants too), chance to beat control,
 * expected loss, the always-valid sequential p-value and, when every variant has the covariate
 * sums, the same on the CUPED-adjusted metric; per metric an omnibus test across all arms (read
 * before the pairwise comparisons); and the sample ratio mismatch check.
 * Variants keep their order; the control is `experiment.control` or the first variant.
 */
export function analyzeExperiment(
  experiment: ExperimentSummary,
  metrics: readonly ExperimentMetric[],
): Result<ExperimentResult> {
  const problem = findSummaryProblem(experiment, metrics);
  if (problem) return err(problem);
  const { variants } = experiment;
  const controlIndex =
    experiment.control === undefined ? 0 : variants.findIndex((v) => v.id === experiment.control);
  const perMetric = metrics.map((metric) => {
    const data = variants.map((v) => v.metrics[metric.name] as MetricData);
    return analyzeMetric(metric, data, controlIndex);
  });
  return ok({
    control: variants[controlIndex]?.id ?? '',
    omnibus: Object.fromEntries(
      metrics.map((metric) => [
        metric.name,
        omnibusTest(
          metric,
          variants.map((v) => v.metrics[metric.name] as MetricData),
        ),
      ]),
    ),
    variants: variants.map((variant, i) => ({
      id: variant.id,
      users: variant.users,
      metrics: Object.fromEntries(
        metrics.map((metric, m) => [metric.name, perMetric[m]?.[i] as MetricResult]),
      ),
    })),
    srm: checkSampleRatio(
      variants.map((v) => v.users),
      variants.map((v) => v.weight ?? 1),
    ),
  });
}

/** The test across all arms: chi-square for conversions, Welch's ANOVA for means and ratios. */
export function omnibusTest(metric: ExperimentMetric, data: readonly MetricData[]): OmnibusResult {
  if (metric.type === 'conversion') return chiSquareIndependence(data as ConversionCounts[]);
  if (metric.type === 'ratio') return welchAnova((data as RatioSums[]).map(ratioMoments));
  return welchAnova((data as MeanSums[]).map(meanMoments));
}

/** One metric in every variant, in the variants' order. */
function analyzeMetric(
  metric: ExperimentMetric,
  data: MetricData[],
  controlIndex: number,
): MetricResult[] {
  if (metric.type === 'conversion') {
    const counts = data as ConversionCounts[];
    const control = counts[controlIndex] as ConversionCounts;
    const comparisons = adjusted(
      counts.map((c, i) => (i === controlIndex ? null : compareRates(control, c, metric.tau2))),
    );
    const cuped = analyzeCuped(data, controlIndex, mixtures(comparisons, metric));
    return counts.map(({ users, conversions }, i) => ({
      type: 'conversion',
      users,
      conversions,
      rate: users > 0 ? conversions / users : null,
      ci: wilsonInterval(conversions, users),
      ...(comparisons[i] ?? NO_COMPARISON),
      cuped: cuped[i] ?? null,
    }));
  }
  if (metric.type === 'ratio') return analyzeRatio(metric, data as RatioSums[], controlIndex);
  const moments = (data as MeanSums[]).map(meanMoments);
  const comparisons = compareAll(
    moments,
    controlIndex,
    moments.map(() => metric.tau2),
  );
  const cuped = analyzeCuped(data, controlIndex, mixtures(comparisons, metric));
  return moments.map((m, i) => ({
    type: 'mean',
    n: m.n,
    mean: m.mean,
    ci: meanInterval(m),
    ...(comparisons[i] ?? NO_COMPARISON),
    cuped: cuped[i] ?? null,
  }));
}

/**
 * A ratio metric: the mean statistics on the delta method's moments (the units with values as
 * clusters), reported as a mean over `n` values with the `users` (units) they were counted over;
 * no CUPED (its covariate would be a unit's, the values are events).
 */
function analyzeRatio(
  metric: ExperimentMetric,
  sums: RatioSums[],
  controlIndex: number,
): MetricResult[] {
  const moments = sums.map(ratioMoments);
  const comparisons = compareAll(
    moments,
    controlIndex,
    moments.map(() => metric.tau2),
  );
  return moments.map((m, i) => ({
    type: 'mean',
    n: sums[i]?.count ?? 0,
    users: sums[i]?.n ?? 0,
    mean: m.mean,
    ci: meanInterval(m),
    ...(comparisons[i] ?? NO_COMPARISON),
    cuped: null,
  }));
}

/**
 * The mSPRT mixture variance of each comparison, for CUPED to reuse: the prior on the effect is in
 * the metric's units and does not shrink with the variance the adjustment removes.
 */
function mixtures(comparisons: (ComparisonResult | null)[], metric: ExperimentMetric) {
  return comparisons.map((c) => c?.sequential?.tau2 ?? metric.tau2);
}

/**
 * CUPED on the metric when every variant has the covariate sums (conversions count as 0/1
 * values); empty when one lacks them or the covariate does not vary.
 */
function analyzeCuped(
  data: MetricData[],
  controlIndex: number,
  tau2: (number | undefined)[],
): CupedResult[] {
  const sums: CupedSums[] = [];
  for (const d of data) {
    const { sumPre, sumPreSquares, sumCross } = d;
    if (sumPre === undefined || sumPreSquares === undefined || sumCross === undefined) return [];
    const y =
      'conversions' in d ? { n: d.users, sum: d.conversions, sumSquares: d.conversions } : d;
    sums.push({ n: y.n, sum: y.sum, sumSquares: y.sumSquares, sumPre, sumPreSquares, sumCross });
  }
  const adjustedMetric = cupedAdjust(sums);
  if (!adjustedMetric) return [];
  const comparisons = compareAll(adjustedMetric.variants, controlIndex, tau2);
  return adjustedMetric.variants.map((m, i) => ({
    theta: adjustedMetric.theta,
    mean: m.mean,
    ci: meanInterval(m),
    varianceReduction: m.varianceReduction,
    ...(comparisons[i] ?? NO_COMPARISON),
  }));
}

function compareAll(
  moments: MetricMoments[],
  controlIndex: number,
  tau2: (number | undefined)[],
): (ComparisonResult | null)[] {
  const control = moments[controlIndex] as MetricMoments;
  return adjusted(
    moments.map((m, i) => (i === controlIndex ? null : compareMeans(control, m, tau2[i]))),
  );
}

/** Adds Holm-adjusted p-values across the variants compared with control (the control is null). */
function adjusted(comparisons: (UnadjustedComparison | null)[]): (ComparisonResult | null)[] {
  const treated = comparisons.filter((c): c is UnadjustedComparison => c !== null);
  const pAdjusted = holmAdjust(treated.map((c) => c.pValue));
  let k = 0;
  return comparisons.map((c) =>
    c === null ? null : { ...NO_COMPARISON, ...c, pValueAdjusted: pAdjusted[k++] ?? null },
  );
}
