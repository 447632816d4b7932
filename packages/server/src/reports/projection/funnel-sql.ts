import type { FunnelOrder } from '@tailor/core';
import { nameIn, projectedEvents } from './projected-events.js';

/** Each event's place in a person's order: its time (ms), then its log position, in one number. */
const KEY = '(CAST(at_ms AS HUGEINT) << 64) + position';

/**
 * An ordered or any-order funnel without exclusions as one query over the projection (docs/reports.md),
 * returning one row: the people with an event of a step, then per step k its count, and for
 * k > 1 (ordered) the sum and median of the times from step k - 1 (ms; null when none). Each
 * person's events of each step are gathered as a sorted list of keys (time, then log position:
 * the order computeFunnelColumns reads them in), and:
 * - ordered: from each step-1 event the next step is the first event of it after the previous
 *   one, while within the window (the greedy search of computeFunnelColumns, which is what its
 *   bit sets do without exclusions); the person counts with the furthest attempt, the earliest
 *   of equals, and its times;
 * - any: from each event, step k is found when an event of it lies at or after it within the
 *   window; the person counts with the longest run of steps 1..k found from one event.
 * `ids`: each step's event name id (undefined: a name no event has).
 */
export function funnelSql(
  ids: readonly (number | undefined)[],
  order: Exclude<FunnelOrder, 'strict'>,
  windowMs: number,
): string {
  const m = ids.length;
  const steps = ids.map((_, k) => k + 1);
  const lists = ids
    .map((id, k) =>
      id === undefined
        ? `CAST([] AS HUGEINT[]) AS l${k + 1}`
        : `list_sort(list(${KEY}) FILTER (WHERE name_id = ${id})) AS l${k + 1}`,
    )
    .join(', ');
  const everything = order === 'any' ? `list(${KEY}) AS everything, ` : '';
  // Read twice (the people, their steps): materialized once.
  const per = `per AS MATERIALIZED (SELECT who, ${everything}${lists}
    FROM (${projectedEvents('who, position, at_ms, name_id', nameIn(ids))}) GROUP BY who)`;
  if (order === 'any') {
    const found = steps
      .map(
        (k) =>
          `coalesce((list_filter(l${k}, x -> x >= e)[1] >> 64) - (e >> 64) <= ${windowMs}, FALSE) AS f${k}`,
      )
      .join(', ');
    const reach = `CASE ${steps.map((k) => `WHEN NOT f${k} THEN ${k - 1}`).join(' ')} ELSE ${m} END`;
    return `WITH ${per},
      lefts AS (SELECT who, unnest(everything) AS e, ${steps.map((k) => `l${k}`).join(', ')} FROM per),
      found AS (SELECT who, ${found} FROM lefts),
      best AS (SELECT who, max(${reach}) AS r FROM found GROUP BY who)
      SELECT (SELECT count(*) FROM per), ${steps.map((k) => `count(*) FILTER (WHERE r >= ${k})`).join(', ')} FROM best`;
  }
  // c1 is the step-1 event; ck the first step-k event after c(k-1) within the window (null when
  // none), one projection a step: written in one SELECT, DuckDB would repeat each earlier step's
  // expression inside the next.
  let chains = `SELECT who, unnest(l1) AS c1, ${steps
    .slice(1)
    .map((k) => `l${k}`)
    .join(', ')} FROM per`;
  for (const k of steps.slice(1))
    chains =
      `SELECT * EXCLUDE (l${k}), list_filter(l${k}, x -> x > c${k - 1} ` +
      `AND (x >> 64) - (c1 >> 64) <= ${windowMs})[1] AS c${k} FROM (${chains})`;
  const reached = steps.map((k) => `(c${k} IS NOT NULL)::INTEGER`).join(' + ');
  const gap = (k: number) => `(t[${k}] >> 64) - (t[${k - 1}] >> 64)`;
  const summaries = steps
    .slice(1)
    .map((k) => `count(t[${k}]), sum(${gap(k)}), quantile_cont(CAST(${gap(k)} AS DOUBLE), 0.5)`)
    .join(', ');
  return `WITH ${per},
    chains AS (${chains}),
    best AS (
      SELECT who, arg_max([${steps.map((k) => `c${k}`).join(', ')}], struct_pack(r := ${reached}, s := -c1)) AS t
      FROM chains GROUP BY who
    )
    SELECT (SELECT count(*) FROM per), count(*), ${summaries} FROM best`;
}
