import { stringify } from 'csv-stringify/sync';
import type {
  AttributionResult,
  FunnelRequest,
  FunnelResult,
  KpiResult,
  KpiRow,
  QualityResult,
  RetentionResult,
} from '@tailor/core';

/** Whether the asker prefers CSV: `Accept` names `text/csv` before any JSON type. */
export function wantsCsv(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const csv = accept.indexOf('text/csv');
  if (csv === -1) return false;
  const json = accept.indexOf('application/json');
  return json === -1 || csv < json;
}

/** Attribution as CSV, one row per model and key: `model,key,share,credit`. */
export function attributionCsv(result: AttributionResult): string {
  const rows: (string | number)[][] = [['model', 'key', 'share', 'credit']];
  for (const [model, { shares, credit }] of Object.entries(result.models))
    for (const [key, share] of Object.entries(shares))
      rows.push([model, key, share, credit[key] ?? 0]);
  return stringify(rows);
}

/**
 * A funnel as CSV, one row per step, named by its event; with a breakdown, the whole funnel's rows
 * then each value's, behind a `group` column (empty for the whole funnel and for an absent value's
 * group, which `group_absent` marks).
 */
export function funnelCsv(request: FunnelRequest, result: FunnelResult): string {
  const header = [
    'step',
    'event',
    'count',
    'conversion_rate',
    'step_conversion_rate',
    'drop_off',
    'median_seconds_from_previous',
    'mean_seconds_from_previous',
  ];
  const stepRows = (steps: FunnelResult['steps']) =>
    steps.map((s) => [
      s.step,
      request.steps[s.step - 1]?.event ?? '',
      s.count,
      s.conversionRate,
      s.stepConversionRate,
      s.dropOff,
      s.medianSecondsFromPrevious,
      s.meanSecondsFromPrevious,
    ]);
  if (result.breakdown === undefined) return stringify([header, ...stepRows(result.steps)]);
  const rows: (string | number | null)[][] = [['group', 'group_absent', ...header]];
  for (const row of stepRows(result.steps)) rows.push(['', 'false', ...row]);
  for (const group of result.breakdown)
    for (const row of stepRows(group.steps))
      rows.push([group.value ?? '', String(group.value === null), ...row]);
  return stringify(rows);
}

/**
 * Retention as CSV in long form, one row per cohort and period begun:
 * `cohort,size,period,retained,rate`; with a breakdown, the whole matrix's rows then each
 * group's, behind `group` and `group_absent` columns as in the funnel's CSV.
 */
export function retentionCsv(result: RetentionResult): string {
  const header = ['cohort', 'size', 'period', 'retained', 'rate'];
  const cohortRows = (cohorts: RetentionResult['cohorts']) =>
    cohorts.flatMap((cohort) =>
      cohort.retained.flatMap((retained, n) =>
        retained === null ? [] : [[cohort.start, cohort.size, n, retained, cohort.rates[n] ?? 0]],
      ),
    );
  if (result.breakdown === undefined) return stringify([header, ...cohortRows(result.cohorts)]);
  const rows: (string | number)[][] = [['group', 'group_absent', ...header]];
  for (const row of cohortRows(result.cohorts)) rows.push(['', 'false', ...row]);
  for (const group of result.breakdown)
    for (const row of cohortRows(group.cohorts))
      rows.push([group.value ?? '', String(group.value === null), ...row]);
  return stringify(rows);
}

/**
 * KPIs as CSV, one row per group (everyone's first, group `*`) with each computed value's mean
 * and count; with click-through, each group's placements follow its row, one row per placement
 * (empty `item_id`) and per item, with only the click columns filled.
 */
export function kpisCsv(result: KpiResult): string {
  const computed = Object.keys(result.all.computed);
  const models = Object.keys(result.all.models ?? {});
  const rows: (string | number | null)[][] = [
    [
      'group',
      'placement',
      'item_id',
      'visitors',
      'converters',
      'conversion_rate',
      'orders',
      'revenue',
      'average_order_value',
      'revenue_per_visitor',
      ...computed.flatMap((name) => [`${name}_mean`, `${name}_count`]),
      ...models.flatMap((name) => [`model.${name}_mean`, `model.${name}_count`]),
      'decisions',
      'clicked',
      'click_through_rate',
    ],
  ];
  const blank = (n: number) => new Array<null>(n).fill(null);
  for (const row of [result.all, ...result.groups]) {
    rows.push([
      row.group,
      '',
      '',
      row.visitors,
      row.converters,
      row.conversionRate,
      row.orders,
      row.revenue,
      row.averageOrderValue,
      row.revenuePerVisitor,
      ...computed.flatMap((name) => [
        row.computed[name]?.mean ?? null,
        row.computed[name]?.count ?? 0,
      ]),
      ...models.flatMap((name) => [
        row.models?.[name]?.mean ?? null,
        row.models?.[name]?.count ?? 0,
      ]),
      ...blank(3),
    ]);
    rows.push(...placementRows(row, 7 + 2 * (computed.length + models.length)));
  }
  return stringify(rows);
}

function placementRows(row: KpiRow, gap: number): (string | number | null)[][] {
  return (row.placements ?? []).flatMap((p) =>
    [{ itemId: '', ...p }, ...p.items].map((c) => [
      row.group,
      p.placement,
      c.itemId,
      ...new Array<null>(gap).fill(null),
      c.decisions,
      c.clicked,
      c.clickThroughRate,
    ]),
  );
}

/**
 * Data quality as CSV, one row per source and event; the missing fields as one column
 * (`property:count` pairs separated by `;`).
 */
export function qualityCsv(result: QualityResult): string {
  const rows: (string | number | null)[][] = [
    [
      'source',
      'event',
      'count',
      'usual',
      'ratio',
      'violations',
      'missing',
      'duplicates',
      'late',
      'lateness_p95_seconds',
    ],
  ];
  for (const r of result.rows)
    rows.push([
      r.source,
      r.event,
      r.count,
      r.usual,
      r.ratio,
      r.violations,
      Object.entries(r.missing)
        .map(([name, n]) => `${name}:${n}`)
        .join(';'),
      r.duplicates,
      r.late,
      r.latenessP95Seconds,
    ]);
  return stringify(rows);
}
