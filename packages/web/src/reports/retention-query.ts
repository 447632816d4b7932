import type { RetentionPeriod, RetentionRequest, RetentionResult } from '@tailor/core';

/** What the retention form holds; kept in the URL's fragment so a report can be bookmarked. */
export interface RetentionForm {
  start: string;
  /** Empty: the start event again (the API's default). */
  returnEvent: string;
  period: RetentionPeriod;
  /** As typed: empty for the API's default (12). */
  periods: string;
}

export const PERIOD_OPTIONS: readonly { value: RetentionPeriod; label: string }[] = [
  { value: 'day', label: 'Days' },
  { value: 'week', label: 'Weeks (from Monday)' },
  { value: 'month', label: 'Months' },
];

export function retentionFormFromSearch(search: string): RetentionForm {
  const query = new URLSearchParams(search);
  const period = PERIOD_OPTIONS.find((option) => option.value === query.get('period'))?.value;
  return {
    start: query.get('start') ?? '',
    returnEvent: query.get('return') ?? '',
    period: period ?? 'week',
    periods: query.get('periods') ?? '',
  };
}

export function searchFromRetentionForm(form: RetentionForm): string {
  const query = new URLSearchParams({ start: form.start.trim() });
  if (form.returnEvent.trim() !== '') query.set('return', form.returnEvent.trim());
  query.set('period', form.period);
  if (form.periods.trim() !== '') query.set('periods', form.periods.trim());
  return query.toString();
}

/** The body of `POST /v1/reports/retention`; numbers as typed, for the server to judge. */
export function retentionRequestFromForm(form: RetentionForm): RetentionRequest {
  const body: RetentionRequest = { start: { event: form.start.trim() }, period: form.period };
  if (form.returnEvent.trim() !== '') body.return = { event: form.returnEvent.trim() };
  const periods = form.periods.trim();
  if (periods !== '') {
    const n = Number(periods);
    body.periods = (Number.isFinite(n) ? n : periods) as number;
  }
  return body;
}

/** One point of the retention curve: period n, and the share of people retained in it. */
export interface CurvePoint {
  period: number;
  /** Retained over the people of the cohorts in which period n has begun; null when none has. */
  rate: number | null;
  /** The people those cohorts hold, which the rate is of. */
  people: number;
}

/**
 * The curve over every cohort: for period n, the people retained in it over the people of the
 * cohorts in which it has begun (a weighted mean, as Amplitude and Mixpanel draw it). Cohorts
 * too young for period n are left out of its rate rather than counted as lost.
 */
export function retentionCurve(result: RetentionResult): CurvePoint[] {
  const width = Math.max(0, ...result.cohorts.map((cohort) => cohort.retained.length));
  return Array.from({ length: width }, (_, period) => {
    let retained = 0;
    let people = 0;
    for (const cohort of result.cohorts) {
      const value = cohort.retained[period];
      if (value === null || value === undefined) continue;
      retained += value;
      people += cohort.size;
    }
    return { period, rate: people === 0 ? null : retained / people, people };
  });
}
