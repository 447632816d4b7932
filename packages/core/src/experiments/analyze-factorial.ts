import { err, ok, type Result } from '../result/result.js';
import { betaChanceToBeat } from './beta-posterior.js';
import {
  betaPosterior,
  chanceToBeBest,
  normalPosterior,
  type Posterior,
} from './chance-to-be-best.js';
import type {
  ConversionCounts,
  ExperimentMetric,
  MeanSums,
  MetricData,
  MetricMoments,
  RatioSums,
  VariantSummary,
} from './experiments.schema.js';
import { factorialAnova, type FactorialCellData } from './factorial-anova.js';
import { factorialCells, type Factor } from './factorial-cells.js';
import { factorialLogistic } from './factorial-logistic.js';
import { factorialTerms } from './factorial-terms.js';
import type {
  FactorialBayesianResult,
  FactorialMetricResult,
  FactorialResult,
  LevelEffectResult,
} from './factorial.schema.js';
import { holmAdjust } from './holm-adjust.js';
import { meanDifference, rateDifference, type Difference } from './level-effect.js';
import { meanInterval, meanMoments } from './mean-moments.js';
import { normalChanceToBeat } from './normal-posterior.js';
import { ratioMoments } from './ratio-moments.js';
import { wilsonInterval } from './wilson-interval.js';

/**
 * A factorial experiment's analysis from its cells' sufficient statistics (the variants, one per
 * cell, ids as `factorialCells` makes them): per metric the model's table (logistic regression
 * with likelihood-ratio tests for conversions, two-way ANOVA with type II sums of squares for
 * means and ratios, on the delta method's linearized values), each factor's levels with their
 * main effect against the factor's first level, and each pair of factors crossed.
 */
export function analyzeFactorial(
  factors: readonly Factor[],
  cells: readonly VariantSummary[],
  metrics: readonly ExperimentMetric[],
): Result<FactorialResult> {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const design = factorialCells(factors);
  const rows: { levels: Record<string, string>; cell: VariantSummary }[] = [];
  for (const d of design) {
    const cell = byId.get(d.id);
    if (cell === undefined) return err(`no data for the cell ${d.id}`);
    rows.push({ levels: d.levels, cell });
  }
  for (const metric of metrics)
    if (rows.some((r) => r.cell.metrics[metric.name] === undefined))
      return err(`a cell has no data for the metric ${metric.name}`);
  return ok({
    factors: factors.map((f) => ({ name: f.name, levels: f.levels.map((l) => l.id) })),
    metrics: Object.fromEntries(
      metrics.map((metric) => [metric.name, analyzeMetric(factors, rows, metric)]),
    ),
  });
}

type Row = { levels: Record<string, string>; cell: VariantSummary };

function analyzeMetric(
  factors: readonly Factor[],
  rows: readonly Row[],
  metric: ExperimentMetric,
): FactorialMetricResult {
  const data = (row: Row) => row.cell.metrics[metric.name] as MetricData;
  const pool = (selected: readonly Row[]) => poolData(metric.type, selected.map(data));
  const measure = (selected: readonly Row[]) => summarize(metric.type, pool(selected), selected);
  const mainEffects = Object.fromEntries(
    factors.map((f) => {
      const levels = f.levels.map((l) => rows.filter((r) => r.levels[f.name] === l.id));
      const reference = pool(levels[0] ?? []);
      const effects = levels.map((selected, i) => {
        const pooled = pool(selected);
        const difference: Difference =
          i === 0 ? { effect: null, pValue: null } : compare(metric.type, reference, pooled);
        return { level: f.levels[i]?.id ?? '', ...measure(selected), ...difference };
      });
      const adjusted = holmAdjust(effects.slice(1).map((e) => e.pValue));
      return [
        f.name,
        effects.map((e, i): LevelEffectResult => ({
          ...e,
          pValueAdjusted: i === 0 ? null : (adjusted[i - 1] ?? null),
        })),
      ];
    }),
  );
  const interactions = factorialTerms(factors)
    .filter((t) => t.factors.length === 2)
    .map((term) => {
      const [a, b] = term.factors.map((name) => factors.find((f) => f.name === name) as Factor);
      const crossed = (a?.levels ?? []).flatMap((la) =>
        (b?.levels ?? []).map((lb) => {
          const levels = { [a?.name ?? '']: la.id, [b?.name ?? '']: lb.id };
          const selected = rows.filter((r) =>
            Object.entries(levels).every(([f, l]) => r.levels[f] === l),
          );
          const { users, n, value } = measure(selected);
          return { levels, users, n, value };
        }),
      );
      return { term: term.name, factors: term.factors, cells: crossed };
    });
  return {
    ...fitModel(factors, rows, metric, data),
    mainEffects,
    interactions,
    bayesian: bayesianView(factors, rows, metric, data),
  };
}

/** Posterior means, chance to be best among the cells and among each factor's levels, chance to beat the first level. */
function bayesianView(
  factors: readonly Factor[],
  rows: readonly Row[],
  metric: ExperimentMetric,
  data: (row: Row) => MetricData,
): FactorialBayesianResult {
  const posterior = (d: MetricData): Posterior | null =>
    metric.type === 'conversion'
      ? betaPosterior(d as ConversionCounts)
      : normalPosterior(moments(metric.type, d));
  const cellPosteriors = rows.map((r) => posterior(data(r)));
  const cellChances = chanceToBeBest(cellPosteriors);
  return {
    cells: rows.map((r, i) => ({
      id: r.cell.id,
      mean: cellPosteriors[i]?.mean ?? null,
      chanceToBeBest: cellChances[i] ?? null,
    })),
    mainEffects: Object.fromEntries(
      factors.map((f) => {
        const pooled = f.levels.map((l) =>
          poolData(metric.type, rows.filter((r) => r.levels[f.name] === l.id).map(data)),
        );
        const posteriors = pooled.map(posterior);
        const chances = chanceToBeBest(posteriors);
        const first = pooled[0] as MetricData;
        return [
          f.name,
          f.levels.map((l, i) => ({
            level: l.id,
            mean: posteriors[i]?.mean ?? null,
            chanceToBeBest: chances[i] ?? null,
            chanceToBeatFirst:
              i === 0 ? null : chanceToBeat(metric.type, first, pooled[i] as MetricData),
          })),
        ];
      }),
    ),
  };
}

function chanceToBeat(
  type: ExperimentMetric['type'],
  reference: MetricData,
  level: MetricData,
): number | null {
  return type === 'conversion'
    ? betaChanceToBeat(reference as ConversionCounts, level as ConversionCounts)
    : normalChanceToBeat(moments(type, reference), moments(type, level));
}

function fitModel(
  factors: readonly Factor[],
  rows: readonly Row[],
  metric: ExperimentMetric,
  data: (row: Row) => MetricData,
): Pick<FactorialMetricResult, 'type' | 'model' | 'terms' | 'residual'> {
  if (metric.type === 'conversion') {
    const cells = rows.map((r) => ({ levels: r.levels, data: data(r) as ConversionCounts }));
    const table = factorialLogistic(factors, cells);
    return {
      type: 'conversion',
      model: 'logistic-regression',
      terms: table?.terms ?? null,
      residual:
        table === null
          ? null
          : { df: table.residual.df, sumSquares: null, deviance: table.residual.deviance },
    };
  }
  const cells: FactorialCellData<MetricMoments>[] = rows.map((r) => ({
    levels: r.levels,
    data: moments(metric.type, data(r)),
  }));
  const table = factorialAnova(factors, cells);
  return {
    type: 'mean',
    model: 'anova',
    terms: table?.terms ?? null,
    residual:
      table === null
        ? null
        : { df: table.residual.df, sumSquares: table.residual.sumSquares, deviance: null },
  };
}

function moments(type: ExperimentMetric['type'], d: MetricData): MetricMoments {
  return type === 'ratio' ? ratioMoments(d as RatioSums) : meanMoments(d as MeanSums);
}

function compare(type: ExperimentMetric['type'], reference: MetricData, level: MetricData) {
  return type === 'conversion'
    ? rateDifference(reference as ConversionCounts, level as ConversionCounts)
    : meanDifference(moments(type, reference), moments(type, level));
}

/** A level's (or a crossing's) people, units, value and interval, from the pooled cells. */
function summarize(type: ExperimentMetric['type'], pooled: MetricData, rows: readonly Row[]) {
  const users = rows.reduce((s, r) => s + r.cell.users, 0);
  if (type === 'conversion') {
    const { users: n, conversions } = pooled as ConversionCounts;
    return { users, n, value: n > 0 ? conversions / n : null, ci: wilsonInterval(conversions, n) };
  }
  const m = moments(type, pooled);
  const n = type === 'ratio' ? (pooled as RatioSums).count : m.n;
  return { users, n, value: m.mean, ci: meanInterval(m) };
}

/** The sufficient statistics of the union of cells: each sum is the sum of the cells'. */
function poolData(type: ExperimentMetric['type'], data: readonly MetricData[]): MetricData {
  if (type === 'conversion') {
    const counts = data as ConversionCounts[];
    return {
      users: counts.reduce((s, c) => s + c.users, 0),
      conversions: counts.reduce((s, c) => s + c.conversions, 0),
    };
  }
  const sums = data as RatioSums[];
  const total = (key: keyof RatioSums) => sums.reduce((s, c) => s + (c[key] ?? 0), 0);
  const pooled: MeanSums = { n: total('n'), sum: total('sum'), sumSquares: total('sumSquares') };
  if (type !== 'ratio') return pooled;
  return {
    ...pooled,
    count: total('count'),
    countSquares: total('countSquares'),
    sumTimesCount: total('sumTimesCount'),
    withValues: sums.reduce((s, c) => s + (c.withValues ?? c.n), 0),
  };
}
