import type { ExperimentResult, FactorialResult, MetricResult } from '@tailor/core';

/** An experiment as `GET /v1/experiments` lists it (the fields the dashboard reads). */
export interface ExperimentSummary {
  name: string;
  status: 'scheduled' | 'running' | 'stopped';
  version: number;
  variants?: { id: string; weight?: number }[];
  factors?: { name: string; levels: { id: string }[] }[];
  metrics?: ExperimentMetricDefinition[];
  start?: string;
  stop?: string;
  layer?: string;
  traffic?: number;
  updatedAt: string;
}

export interface ExperimentMetricDefinition {
  name: string;
  type: 'conversion' | 'mean' | 'count';
  event: string;
  property?: string;
  guardrail?: boolean;
}

/** `GET /v1/experiments/NAME/results` (docs/experiments.md, "Results"). */
export interface ExperimentResults extends ExperimentResult {
  experiment: string;
  computedAt: string;
  metrics: ExperimentMetricDefinition[];
  exposures: number;
  /** Events read from the log: all of it (`log`), or those the projection has not taken yet. */
  eventsRead: number;
  /** Where they were read from: the reports projection's columns, or one pass over the log. */
  source?: 'projection' | 'log';
  factorial?: FactorialResult;
}

/** One arm's estimate for a metric with its 95% interval, as the interval chart draws it. */
export interface IntervalRow {
  id: string;
  control: boolean;
  users: number;
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/** The rate (conversion) or mean of a metric result. */
export function estimateOf(result: MetricResult): number | null {
  return result.type === 'conversion' ? result.rate : result.mean;
}

/** Each arm's estimate and interval for one metric, control first, then in the results' order. */
export function intervalRows(results: ExperimentResult, metric: string): IntervalRow[] {
  const rows = results.variants.flatMap((variant): IntervalRow[] => {
    const result = variant.metrics[metric];
    if (result === undefined) return [];
    return [
      {
        id: variant.id,
        control: variant.id === results.control,
        users: variant.users,
        estimate: estimateOf(result),
        low: result.ci?.[0] ?? null,
        high: result.ci?.[1] ?? null,
      },
    ];
  });
  return [...rows.filter((row) => row.control), ...rows.filter((row) => !row.control)];
}

/** The metric names the results hold, in the definition's order, then any others. */
export function metricNames(results: ExperimentResults): string[] {
  const defined = results.metrics.map((metric) => metric.name);
  const present = new Set(results.variants.flatMap((variant) => Object.keys(variant.metrics)));
  return [
    ...defined.filter((name) => present.has(name)),
    ...[...present].filter((name) => !defined.includes(name)),
  ];
}
