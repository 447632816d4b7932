import type { RetentionPeriod } from '@tailor/core';
import { projectedEvents } from './projected-events.js';

const DAY_MS = 86_400_000;

/**
 * A period's number (SQL over a time in ms): days since 1970-01-01; weeks since the Monday
 * before it (1970-01-01 was a Thursday); months since January of year 0. Two periods' numbers
 * differ by periodsBetween of their starts.
 */
function periodNumber(ms: string, period: RetentionPeriod): string {
  const days = `floor(${ms} / ${DAY_MS})`;
  if (period === 'day') return `CAST(${days} AS BIGINT)`;
  if (period === 'week') return `CAST(floor((${days} + 3) / 7) AS BIGINT)`;
  const at = `epoch_ms(CAST(floor(${ms}) AS BIGINT))`;
  return `(year(${at}) * 12 + month(${at}) - 1)`;
}

/** The first instant (ms, UTC) of the period of this number. */
export function periodNumberStart(n: number, period: RetentionPeriod): number {
  if (period === 'day') return n * DAY_MS;
  if (period === 'week') return (n * 7 - 3) * DAY_MS;
  return Date.UTC(Math.floor(n / 12), n % 12, 1);
}

/**
 * A retention matrix as one query over the projection (docs/reports.md): rows of (cohort's
 * period number, n, people), n = 0 giving each cohort's size and n = 1..periods those retained n
 * periods after. Each person's events are first reduced to their periods (whether one holds a
 * return event, the first start event's time), their cohort is the period of their first start
 * event (on or after `since`), and they are retained in every later period holding a return
 * event: computeRetention's rule, since a return event in a later period is after the first
 * start event. `start` and `back`: conditions on `name_id`.
 */
export function retentionSql(
  start: string,
  back: string,
  options: { period: RetentionPeriod; periods: number; since?: number | undefined },
): string {
  const p = periodNumber('at_ms', options.period);
  const since = options.since === undefined ? '' : `HAVING min(first_at) >= ${options.since}`;
  return `WITH per AS (
      SELECT who, ${p} AS p, min(CASE WHEN ${start} THEN at_ms END) AS first_at,
        bool_or(${back}) AS back
      FROM (${projectedEvents('who, at_ms, name_id', `(${start}) OR (${back})`)})
      GROUP BY who, p
    ),
    cohorts AS (
      SELECT who, arg_min(p, first_at) AS c FROM per WHERE first_at IS NOT NULL GROUP BY who ${since}
    )
    SELECT c, 0, count(*) FROM cohorts GROUP BY c
    UNION ALL
    SELECT c, p - c, count(*) FROM per JOIN cohorts USING (who)
    WHERE back AND p - c BETWEEN 1 AND ${options.periods} GROUP BY c, p - c`;
}
