import { stringify } from 'csv-stringify/sync';
import type { AttributionResult, FunnelRequest, FunnelResult, RetentionResult } from '@tailor/core';

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
