import type { RetentionPeriod, RetentionResult } from './retention.schema.js';

const DAY_MS = 86_400_000;

/** One of a person's events as retention reads it: its time (ms) and which roles it plays. */
export interface RetentionEvent {
  at: number;
  start: boolean;
  return: boolean;
}

export interface RetentionOptions {
  period: RetentionPeriod;
  /** Columns after period 0. */
  periods: number;
  /** Periods that have not begun by now are null, not 0. */
  now: number;
  /** Only people whose first start event is at or after this (ms). */
  since?: number | undefined;
}

/** The first instant (ms, UTC) of the calendar period holding `at`: the day, the Monday, the month's 1st. */
export function periodStart(at: number, period: RetentionPeriod): number {
  const days = Math.floor(at / DAY_MS);
  if (period === 'day') return days * DAY_MS;
  // 1970-01-01 was a Thursday: (days + 3) mod 7 is the days since Monday.
  if (period === 'week') return (days - ((((days + 3) % 7) + 7) % 7)) * DAY_MS;
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** How many whole periods `later` (a period start) is after `earlier` (a period start). */
export function periodsBetween(earlier: number, later: number, period: RetentionPeriod): number {
  if (period === 'day') return Math.round((later - earlier) / DAY_MS);
  if (period === 'week') return Math.round((later - earlier) / (7 * DAY_MS));
  const a = new Date(earlier);
  const b = new Date(later);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
}

/** The start of the period `n` periods after the period starting at `start`. */
function addPeriods(start: number, n: number, period: RetentionPeriod): number {
  if (period === 'day') return start + n * DAY_MS;
  if (period === 'week') return start + n * 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/**
 * A retention matrix over people's time-ordered events. A person's cohort is the calendar period
 * of their first start event; they are retained in period n (n ≥ 1) when they did a return event
 * in the n-th calendar period after their cohort's. Period 0 is the cohort itself. Return events
 * before the first start event do not count. Periods not yet begun at `now` are null.
 */
export function computeRetention(
  people: Iterable<readonly RetentionEvent[]>,
  options: RetentionOptions,
): RetentionResult {
  const { period, periods } = options;
  const cohorts = new Map<number, CohortTally>();
  let total = 0;
  for (const events of people) {
    const first = events.find((e) => e.start);
    if (first === undefined || (options.since !== undefined && first.at < options.since)) continue;
    const cohortStart = periodStart(first.at, period);
    let cohort = cohorts.get(cohortStart);
    if (cohort === undefined) {
      cohort = { size: 0, retained: new Array<number>(periods + 1).fill(0) };
      cohorts.set(cohortStart, cohort);
    }
    cohort.size++;
    total++;
    const seen = new Set<number>();
    for (const e of events) {
      if (!e.return || e.at < first.at) continue;
      const n = periodsBetween(cohortStart, periodStart(e.at, period), period);
      if (n >= 1 && n <= periods) seen.add(n);
    }
    for (const n of seen) cohort.retained[n] = (cohort.retained[n] as number) + 1;
  }
  return retentionResult(cohorts, total, options);
}

/** A cohort being counted: its size, and how many were retained in each period. */
export interface CohortTally {
  size: number;
  retained: number[];
}

/** The answer from the cohorts counted (by period start); the computeRetention variants share it. */
export function retentionResult(
  cohorts: ReadonlyMap<number, CohortTally>,
  total: number,
  options: RetentionOptions,
): RetentionResult {
  const { period } = options;
  return {
    period,
    people: total,
    cohorts: [...cohorts]
      .sort((a, b) => a[0] - b[0])
      .map(([start, { size, retained }]) => {
        const counts = retained.map((count, n) =>
          addPeriods(start, n, period) > options.now ? null : n === 0 ? size : count,
        );
        return {
          start: new Date(start).toISOString(),
          size,
          retained: counts,
          rates: counts.map((count) => (count === null ? null : count / size)),
        };
      }),
  };
}
