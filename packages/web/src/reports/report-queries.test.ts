import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  funnelFormFromSearch,
  funnelRequestFromForm,
  searchFromFunnelForm,
} from './funnel-query.js';
import {
  retentionCurve,
  retentionFormFromSearch,
  retentionRequestFromForm,
  searchFromRetentionForm,
} from './retention-query.js';

describe('the funnel form', () => {
  it('goes through the URL and back, steps one a line', () => {
    const form = {
      steps: ' Signed Up \n\nPage Viewed\nSubscribed',
      windowDays: '7',
      order: 'strict' as const,
    };
    const search = searchFromFunnelForm(form);
    expect(search).toBe(
      'step=Signed+Up&step=Page+Viewed&step=Subscribed&windowDays=7&order=strict',
    );
    expect(funnelFormFromSearch(search)).toEqual({
      steps: 'Signed Up\nPage Viewed\nSubscribed',
      windowDays: '7',
      order: 'strict',
    });
  });
  it.each([
    ['defaults', '', { steps: [], order: 'ordered' }],
    [
      'a window',
      'step=A&step=B&windowDays=2.5',
      { steps: [{ event: 'A' }, { event: 'B' }], order: 'ordered', windowDays: 2.5 },
    ],
    [
      'a window that is no number, sent for the server to refuse',
      'step=A&windowDays=soon&order=bogus',
      { steps: [{ event: 'A' }], order: 'ordered', windowDays: 'soon' },
    ],
  ])('asks with %s', (_name, search, body) => {
    expect(funnelRequestFromForm(funnelFormFromSearch(search))).toEqual(body);
  });
  it.each([
    [null, '–'],
    [42.4, '42 s'],
    [720, '12 min'],
    [19_800, '5.5 h'],
    [276_480, '3.2 d'],
  ])('writes %s seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('the retention form', () => {
  it('goes through the URL and back', () => {
    const form = {
      start: 'Signed Up',
      returnEvent: 'Order Completed',
      period: 'month' as const,
      periods: '6',
    };
    expect(retentionFormFromSearch(searchFromRetentionForm(form))).toEqual(form);
    expect(retentionRequestFromForm(form)).toEqual({
      start: { event: 'Signed Up' },
      return: { event: 'Order Completed' },
      period: 'month',
      periods: 6,
    });
  });
  it('leaves the return event and the periods to the API when empty', () => {
    expect(retentionRequestFromForm(retentionFormFromSearch('start=Opened'))).toEqual({
      start: { event: 'Opened' },
      period: 'week',
    });
  });
});

describe('retentionCurve', () => {
  it('weighs each period by the cohorts in which it has begun', () => {
    const cohort = (size: number, retained: (number | null)[]) => ({
      start: '2026-11-02T00:00:00.000Z',
      size,
      retained,
      rates: retained.map((n) => (n === null ? null : n / size)),
    });
    // Period 1: (4 + 1) of (10 + 5); period 2: only the older cohort has begun it: 2 of 10.
    expect(
      retentionCurve({
        period: 'week',
        people: 15,
        cohorts: [cohort(10, [10, 4, 2]), cohort(5, [5, 1, null]), cohort(0, [0, null, null])],
      }),
    ).toEqual([
      { period: 0, rate: 1, people: 15 },
      { period: 1, rate: 5 / 15, people: 15 },
      { period: 2, rate: 0.2, people: 10 },
    ]);
  });
  it('has no points without cohorts', () => {
    expect(retentionCurve({ period: 'day', people: 0, cohorts: [] })).toEqual([]);
  });
});
