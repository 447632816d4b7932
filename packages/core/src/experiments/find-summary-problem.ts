import type {
  ExperimentMetric,
  ExperimentSummary,
  MetricData,
  RatioSums,
} from './experiments.schema.js';

const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** What is wrong with an experiment's summaries for these metrics, or null when nothing is. */
export function findSummaryProblem(
  experiment: ExperimentSummary,
  metrics: readonly ExperimentMetric[],
): string | null {
  const { variants, control } = experiment;
  if (variants.length === 0) return 'an experiment needs at least one variant';
  const ids = new Set(variants.map((v) => v.id));
  if (ids.size !== variants.length) return 'variant ids must be unique';
  if (control !== undefined && !ids.has(control)) return `no variant is the control "${control}"`;
  if (new Set(metrics.map((m) => m.name)).size !== metrics.length)
    return 'metric names must be unique';
  for (const variant of variants) {
    if (!isCount(variant.users)) return `variant "${variant.id}": users must be a count`;
    if (variant.weight !== undefined && !(isNumber(variant.weight) && variant.weight >= 0)) {
      return `variant "${variant.id}": weight must be a number ≥ 0`;
    }
    for (const metric of metrics) {
      const problem = dataProblem(metric, variant.metrics[metric.name]);
      if (problem) return `variant "${variant.id}", metric "${metric.name}": ${problem}`;
    }
  }
  return null;
}

function dataProblem(metric: ExperimentMetric, data: MetricData | undefined): string | null {
  if (data === undefined) return 'no data';
  if (metric.type === 'conversion') {
    if (!('conversions' in data) || !isCount(data.users) || !isCount(data.conversions)) {
      return 'a conversion metric needs counts {users, conversions}';
    }
    if (data.conversions > data.users) return 'more conversions than users';
  } else if (metric.type === 'ratio') {
    const sums = data as Partial<RatioSums>;
    const numbers = [sums.sum, sums.sumSquares, sums.count, sums.countSquares, sums.sumTimesCount];
    if (!isCount(sums.n) || !numbers.every(isNumber) || (sums.count ?? -1) < 0) {
      return 'a ratio metric needs {n, sum, sumSquares, count, countSquares, sumTimesCount}';
    }
    if (sums.withValues !== undefined && !(isCount(sums.withValues) && sums.withValues <= sums.n)) {
      return 'withValues must be a count of at most n units';
    }
  } else if (
    !('sum' in data) ||
    !isCount(data.n) ||
    !isNumber(data.sum) ||
    !isNumber(data.sumSquares)
  ) {
    return 'a mean metric needs {n, sum, sumSquares}';
  }
  const covariates = [data.sumPre, data.sumPreSquares, data.sumCross];
  if (covariates.some((x) => x !== undefined) && !covariates.every(isNumber)) {
    return 'covariate sums need all of {sumPre, sumPreSquares, sumCross}';
  }
  return null;
}
