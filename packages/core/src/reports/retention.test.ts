import { describe, expect, it } from 'vitest';
import { computeRetention, periodStart } from './retention.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('periodStart', () => {
  it('finds the UTC day, the Monday of the week and the first of the month', () => {
    // Sunday 6 and Monday 7 December 2026.
    expect(iso(periodStart(Date.parse('2026-12-06T23:59:59Z'), 'week'))).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(iso(periodStart(Date.parse('2026-12-07T00:00:00Z'), 'week'))).toBe(
      '2026-12-07T00:00:00.000Z',
    );
    expect(iso(periodStart(Date.parse('2026-12-07T13:00:00Z'), 'day'))).toBe(
      '2026-12-07T00:00:00.000Z',
    );
    expect(iso(periodStart(Date.parse('2024-02-29T13:00:00Z'), 'month'))).toBe(
      '2024-02-01T00:00:00.000Z',
    );
  });
});

describe('computeRetention', () => {
  it('counts a person once per period, from their first start, across a year end', () => {
    const at = (s: string) => Date.parse(s);
    const result = computeRetention(
      [
        [
          { at: at('2026-11-20T10:00:00Z'), start: false, return: true }, // before the start: ignored
          { at: at('2026-12-02T10:00:00Z'), start: true, return: false },
          { at: at('2027-01-05T10:00:00Z'), start: false, return: true },
          { at: at('2027-01-20T10:00:00Z'), start: false, return: true },
          { at: at('2027-03-01T10:00:00Z'), start: false, return: true },
        ],
        [{ at: at('2026-12-31T23:00:00Z'), start: true, return: true }],
        [{ at: at('2027-01-03T10:00:00Z'), start: false, return: true }], // never started
      ],
      { period: 'month', periods: 3, now: at('2027-02-15T00:00:00Z') },
    );
    expect(result.people).toBe(2);
    expect(result.cohorts).toEqual([
      {
        start: '2026-12-01T00:00:00.000Z',
        size: 2,
        retained: [2, 1, 0, null],
        rates: [1, 0.5, 0, null],
      },
    ]);
  });
});
