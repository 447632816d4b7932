import { describe, expect, it } from 'vitest';
import { pointInTimeFeatures, type TimedEvent } from './point-in-time-features.js';

const DAY = 86_400_000;
const CUTOFF = Date.UTC(2026, 5, 1);
const at = (daysBefore: number) => CUTOFF - daysBefore * DAY;

const ann: TimedEvent[] = [
  { at: at(200), traits: { plan: 'pro', email: 'ann@example.com', seats: 3 } },
  { at: at(100), event: 'Order Completed', properties: { revenue: 40 } },
  { at: at(20), event: 'Page Viewed' },
  { at: at(5), event: 'Order Completed', properties: { revenue: 60 } },
  { at: at(1), traits: { plan: 'team' } },
  // After the cutoff: in the label's window only.
  { at: at(-3), event: 'Order Completed', properties: { revenue: 1000 } },
  { at: at(-3), traits: { plan: 'enterprise' } },
];
const bob: TimedEvent[] = [
  { at: at(60), event: 'Page Viewed' },
  { at: at(60) + 3_600_000, event: 'Page Viewed' },
  { at: at(-40), event: 'Order Completed', properties: { revenue: 5 } }, // past a 30-day label
];
const late: TimedEvent[] = [{ at: at(-1), event: 'Page Viewed' }]; // nothing by the cutoff

describe('point-in-time features', () => {
  const label = { kind: 'churn' as const, pattern: { event: 'Order Completed' }, days: 30 };
  const table = pointInTimeFeatures(
    [
      { id: 'ann', events: ann },
      { id: 'bob', events: bob },
      { id: 'late', events: late },
    ],
    CUTOFF,
    label,
  );
  const row = (id: string) => table.rows.find((r) => r.id === id);

  it('reads only what happened by the cutoff: counts, sums, recency, tenure, latest traits', () => {
    expect(table.rows.map((r) => r.id)).toEqual(['ann', 'bob']); // late had nothing yet
    expect(table.events).toEqual(['Page Viewed', 'Order Completed']); // most frequent first
    expect(row('ann')?.features).toMatchObject({
      'count_7d:Order Completed': 1,
      'count_30d:Order Completed': 1,
      'count_90d:Order Completed': 1,
      'count_all:Order Completed': 2,
      'count_30d:Page Viewed': 1,
      events_all: 5,
      revenue_30d: 60,
      revenue_all: 100,
      days_since_last: 1,
      days_since_first: 200,
      active_days_30d: 3,
      'trait:plan': 'team', // not the later 'enterprise'
      'trait:seats': 3,
    });
    expect(row('bob')?.features).toMatchObject({
      'count_90d:Page Viewed': 2,
      active_days_30d: 0,
      revenue_all: 0,
      'trait:plan': null,
    });
  });

  it('never learns from personal fields, and the label looks only at the days after the cutoff', () => {
    expect(table.columns.some((c) => c.includes('email'))).toBe(false);
    expect(row('ann')?.label).toBe(0); // bought 3 days after: stayed
    expect(row('bob')?.label).toBe(1); // no order within 30 days: churned
    const propensity = pointInTimeFeatures([{ id: 'ann', events: ann }], CUTOFF, {
      ...label,
      kind: 'propensity',
    });
    expect(propensity.rows[0]?.label).toBe(1);
  });

  it('gives the same features whatever comes after the cutoff (no leak), and counts the given events when scoring', () => {
    const without = pointInTimeFeatures(
      [{ id: 'ann', events: ann.filter((e) => e.at <= CUTOFF) }],
      CUTOFF,
      undefined,
      { events: table.events },
    );
    expect(without.rows[0]?.features).toEqual(row('ann')?.features);
    expect(without.rows[0]?.label).toBeUndefined();
    expect(without.columns).toEqual(table.columns);
  });
});
