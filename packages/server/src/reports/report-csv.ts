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

/** A funnel as CSV, one row per step, named by its event. */
export function funnelCsv(request: FunnelRequest, result: FunnelResult): string {
  const rows: (string | number | null)[][] = [
    [
      'step',
      'event',
      'count',
      'conversion_rate',
      'step_conversion_rate',
      'drop_off',
      'median_seconds_from_previous',
      'mean_seconds_from_previous',
    ],
  ];
  for (const s of result.steps)
    rows.push([
      s.step,
      request.steps[s.step - 1]?.event ?? '',
      s.count,
      s.conversionRate,
      s.stepConversionRate,
      s.dropOff,
      s.medianSecondsFromPrevious,
      s.meanSecondsFromPrevious,
    ]);
  return stringify(rows);
}

/** Retention as CSV in long form, one row per cohort and period begun: `cohort,size,period,retained,rate`. */
export function retentionCsv(result: RetentionResult): string {
  const rows: (string | number)[][] = [['cohort', 'size', 'period', 'retained', 'rate']];
  for (const cohort of result.cohorts)
    cohort.retained.forEach((retained, n) => {
      if (retained !== null)
        rows.push([cohort.start, cohort.size, n, retained, cohort.rates[n] ?? 0]);
    });
  return stringify(rows);
}
