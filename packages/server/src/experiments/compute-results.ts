import {
  analyzeExperiment,
  analyzeFactorial,
  DURATION_MS,
  TailorError,
  type ExperimentMetric,
  type ExperimentResult,
  type FactorialResult,
  type MetricData,
  type RatioSums,
  type VariantSummary,
} from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { StoredExperiment } from '../store/state-store.js';
import { armsOf, factorsOf } from './experiment-arms.js';
import type { ExperimentMetricBody } from './experiment-body.js';
import {
  firstCountedTime,
  readExposures,
  type ExposureQuery,
  type Exposures,
  type ReadOptions,
} from './read-exposures.js';

export const DEFAULT_CUPED_DAYS = 14;
const DAY_MS = 86_400_000;

/** analyzeExperiment's result, with what it was computed from. */
export interface ExperimentResults extends ExperimentResult {
  experiment: string;
  computedAt: string;
  /** The metrics as defined (count metrics are analysed as means per assigned person). */
  metrics: ExperimentMetricBody[];
  /** Exposure events read for this experiment, repeats included; events read from the log in all. */
  exposures: number;
  eventsRead: number;
  /**
   * What they were read from: `projection`, the reports projection's columns (and the log's
   * events not folded yet, counted in `eventsRead`), or `log`, one pass over the whole log.
   */
  source: 'projection' | 'log';
  /** A factorial experiment's analysis: the model's table, main effects, interactions. */
  factorial?: FactorialResult;
}

/**
 * An experiment's results from the log: who was assigned what and when (each person's first
 * exposure), and per metric and variant the sufficient statistics, then `analyzeExperiment`.
 * - conversion: people with the event after assignment (within `within` when given), out of the
 *   people assigned; CUPED's covariate is whether they did it in the `cupedDays` before.
 * - count: events after assignment per assigned person (a mean over people, zeros included);
 *   the covariate is their count in the `cupedDays` before.
 * - mean: the property over the events after assignment, as a ratio metric: Σ values / Σ events
 *   over the assigned people, its variance by the delta method with the people who have such events
 *   as clusters (a person's orders are not independent; people without any add nothing but degrees
 *   of freedom); no CUPED.
 * Events at or after `stop` do not count. People are userId ?? anonymousId as on the events; a
 * metric event carrying both counts for whichever of the two was assigned (the userId first).
 */
export async function computeResults(
  log: Pick<EventLog, 'read'>,
  experiment: StoredExperiment,
  now: number,
  options: ReadOptions = {},
): Promise<ExperimentResults> {
  const exposures = await readExposures(log, exposureQuery(experiment), options);
  return resultsOf(experiment, exposures, now, 'log');
}

/** What results read of the log for an experiment: its name, arms, metric events and times. */
export function exposureQuery(experiment: StoredExperiment): ExposureQuery {
  const cupedDays = experiment.cupedDays ?? DEFAULT_CUPED_DAYS;
  const start = experiment.start === undefined ? -Infinity : Date.parse(experiment.start);
  return {
    name: experiment.name,
    variants: armsOf(experiment).map((v) => v.id),
    metrics: (experiment.metrics ?? []).map((m) => ({
      event: m.event,
      property: m.type === 'mean' ? m.property : undefined,
    })),
    from: firstCountedTime(start, cupedDays),
    stop: experiment.stop === undefined ? Infinity : Date.parse(experiment.stop),
  };
}

/** The analysis of an experiment's exposures and metric events, however they were read. */
export function resultsOf(
  experiment: StoredExperiment,
  exposures: Exposures,
  now: number,
  source: ExperimentResults['source'],
): ExperimentResults {
  const metrics = experiment.metrics ?? [];
  const cupedDays = experiment.cupedDays ?? DEFAULT_CUPED_DAYS;
  const summary = summarize(experiment, metrics, exposures, cupedDays);
  const analysed = metrics.map((m): ExperimentMetric => ({
    name: m.name,
    type: analysedAs[m.type],
    ...(m.tau2 !== undefined && { tau2: m.tau2 }),
  }));
  const analysis = analyzeExperiment(
    { variants: summary, ...(experiment.control !== undefined && { control: experiment.control }) },
    analysed,
  );
  if (!analysis.ok)
    throw new TailorError('internal', `experiment ${experiment.name}: ${analysis.error}`);
  const factors = factorsOf(experiment);
  const factorial =
    factors === undefined ? undefined : analyzeFactorial(factors, summary, analysed);
  if (factorial?.ok === false)
    throw new TailorError('internal', `experiment ${experiment.name}: ${factorial.error}`);
  return {
    experiment: experiment.name,
    computedAt: new Date(now).toISOString(),
    metrics,
    exposures: exposures.exposureEvents,
    eventsRead: exposures.eventsRead,
    source,
    ...analysis.value,
    ...(factorial?.ok === true && { factorial: factorial.value }),
  };
}

/** How each kind of metric is analysed: a count is a mean over people, a mean a ratio over their events. */
const analysedAs = { conversion: 'conversion', count: 'mean', mean: 'ratio' } as const;

/**
 * Over a variant's assigned people: Σy, Σy², Σx, Σx², Σxy (y after assignment, x before); for mean
 * metrics y is a person's total of the property, Σm, Σm², Σym are over their event counts m, and k
 * counts the people with m > 0.
 */
interface PersonSums {
  y: number;
  yy: number;
  x: number;
  xx: number;
  xy: number;
  m: number;
  mm: number;
  ym: number;
  k: number;
}

/** Per variant: users, and per metric the counts or sums (with the CUPED covariate sums when on). */
function summarize(
  experiment: StoredExperiment,
  metrics: ExperimentMetricBody[],
  x: Exposures,
  cupedDays: number,
): VariantSummary[] {
  const m = metrics.length;
  const arms = armsOf(experiment);
  const attributed = attribute(arms.length, metrics, x, cupedDays);
  const sums = sumPeople(arms.length, metrics, x, attributed);
  const total = arms.reduce((a, v) => a + v.weight, 0);
  return arms.map((variant, v) => {
    const users = attributed.users[v] ?? 0;
    const data = metrics.map((def, j): [string, MetricData] => {
      const s = sums[v * m + j] as PersonSums;
      if (def.type === 'mean') {
        const ratio: RatioSums = {
          n: users,
          sum: s.y,
          sumSquares: s.yy,
          count: s.m,
          countSquares: s.mm,
          sumTimesCount: s.ym,
          withValues: s.k,
        };
        return [def.name, ratio];
      }
      const covariates = cupedDays > 0 ? { sumPre: s.x, sumPreSquares: s.xx, sumCross: s.xy } : {};
      return def.type === 'conversion'
        ? [def.name, { users, conversions: s.y, ...covariates }]
        : [def.name, { n: users, sum: s.y, sumSquares: s.yy, ...covariates }];
    });
    return {
      id: variant.id,
      users,
      weight: variant.weight / total,
      metrics: Object.fromEntries(data),
    };
  });
}

/**
 * Sets each metric event against its person's assignment: per assigned person and metric, the
 * value after assignment (converted: 1; count: events; mean: the property's total, with the
 * events counted in `counts`) and in the CUPED window before. Assigned people get dense ordinals.
 */
function attribute(
  variants: number,
  metrics: ExperimentMetricBody[],
  x: Exposures,
  cupedDays: number,
) {
  const m = metrics.length;
  const ordinal = new Int32Array(x.people).fill(-1);
  const users = new Array<number>(variants).fill(0);
  let assigned = 0;
  for (let p = 0; p < x.people; p++) {
    const v = x.variant[p] ?? -1;
    if (v < 0) continue;
    ordinal[p] = assigned++;
    users[v] = (users[v] ?? 0) + 1;
  }
  const after = new Float64Array(assigned * m);
  const before = new Float64Array(assigned * m);
  const counts = new Float64Array(metrics.some((def) => def.type === 'mean') ? assigned * m : 0);
  const within = metrics.map((def) => (def.within === undefined ? Infinity : windowMs(def.within)));
  const preMs = cupedDays * DAY_MS;
  const { events } = x;
  for (let i = 0; i < events.count; i++) {
    // The event's userId's person if assigned, else its anonymousId's.
    let p = events.person[i] ?? -1;
    if ((x.variant[p] ?? -1) < 0) p = events.other[i] ?? -1;
    const v = x.variant[p] ?? -1;
    if (p < 0 || v < 0) continue;
    const metric = events.metric[i] ?? 0;
    const type = metrics[metric]?.type;
    const since = (events.at[i] ?? 0) - (x.assignedAt[p] ?? 0);
    const slot = (ordinal[p] ?? 0) * m + metric;
    if (since >= 0 && since < (within[metric] ?? Infinity)) {
      if (type === 'conversion') after[slot] = 1;
      else if (type === 'count') after[slot] = (after[slot] ?? 0) + 1;
      else {
        after[slot] = (after[slot] ?? 0) + (events.value[i] ?? 0);
        counts[slot] = (counts[slot] ?? 0) + 1;
      }
    } else if (since < 0 && -since <= preMs && type !== 'mean') {
      before[slot] = type === 'conversion' ? 1 : (before[slot] ?? 0) + 1;
    }
  }
  return { ordinal, users, after, before, counts };
}

/** Per variant and metric: the sums over its assigned people. */
function sumPeople(
  variants: number,
  metrics: ExperimentMetricBody[],
  x: Exposures,
  a: ReturnType<typeof attribute>,
): PersonSums[] {
  const m = metrics.length;
  const sums: PersonSums[] = Array.from({ length: variants * m }, () => ({
    y: 0,
    yy: 0,
    x: 0,
    xx: 0,
    xy: 0,
    m: 0,
    mm: 0,
    ym: 0,
    k: 0,
  }));
  for (let p = 0; p < x.people; p++) {
    const v = x.variant[p] ?? -1;
    if (v < 0) continue;
    const base = (a.ordinal[p] ?? 0) * m;
    for (let j = 0; j < m; j++) {
      const y = a.after[base + j] ?? 0;
      const s = sums[v * m + j] as PersonSums;
      s.y += y;
      s.yy += y * y;
      if (metrics[j]?.type === 'mean') {
        const events = a.counts[base + j] ?? 0;
        s.m += events;
        s.mm += events * events;
        s.ym += y * events;
        if (events > 0) s.k++;
        continue;
      }
      const pre = a.before[base + j] ?? 0;
      s.x += pre;
      s.xx += pre * pre;
      s.xy += pre * y;
    }
  }
  return sums;
}

function windowMs(text: string): number {
  const unit = text[text.length - 1] as keyof typeof DURATION_MS;
  return Number(text.slice(0, -1)) * DURATION_MS[unit];
}
