import { describe, expect, it } from 'vitest';
import { compileDefinitions } from '../segments/compile-definitions.js';
import { parseComputed, parseCondition } from '../segments/parse-definition.js';
import { printComputed } from '../segments/print-definition.js';
import { emptyDerivedState, feedEvent, refreshDerived } from '../segments/update-derived.js';
import type { ComputedNode, Condition } from '../segments/segments.schema.js';
import {
  quantileSorted,
  rfmPopulation,
  scoreHigherIsBetter,
  scoreLowerIsBetter,
} from './builtin-traits.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function computed(text: string): ComputedNode {
  const parsed = parseComputed(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}
function condition(text: string): Condition {
  const parsed = parseCondition(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe('built-in computed traits: the language', () => {
  it('parses rfm and engagement and prints them back in canonical form', () => {
    for (const text of [
      'rfm("Order Completed".revenue, 365d)',
      'rfm("Order Completed".order.total where properties.currency = "EUR", 52w)',
      'engagement(events: {"Page Viewed": 1, "Order Completed" where properties.revenue > 0: 10, "Unsubscribed": -5}, recency: {7d: 1, 30d: 0.5})',
      'clv("Order Completed".revenue, 52w)',
      'clv("Order Completed".order.total where properties.currency = "EUR", 365d)',
    ]) {
      expect(printComputed(computed(text))).toBe(text);
    }
    // CLV's purchases default to "Order Completed" events and their revenue, written out.
    expect(printComputed(computed('clv(52w)'))).toBe('clv("Order Completed".revenue, 52w)');
    expect(computed('clv( 39w )')).toEqual(computed('clv("Order Completed".revenue, 39w)'));
    // Recency weights default to 7d: 1, 30d: 0.5, 90d: 0.25, written out in the canonical text.
    expect(printComputed(computed('engagement( events : {"Page Viewed":2} )'))).toBe(
      'engagement(events: {"Page Viewed": 2}, recency: {7d: 1, 30d: 0.5, 90d: 0.25})',
    );
  });

  it.each([
    ['rfm("Order Completed".revenue)', 29, /Expected/],
    ['rfm("Order Completed", 365d)', 21, /Expected "\."/],
    ['engagement(events: {})', 20, /Expected/],
    ['engagement(events: {"A": 1}, recency: {30d: 1, 7d: 0.5})', 39, /recency windows must grow/],
    ['engagement(events: {"A": "high"})', 25, /Expected number/],
  ])('refuses %s with the position of the problem', (text, position, message) => {
    const parsed = parseComputed(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.message).toMatch(message);
    expect(parsed.error.position).toBe(position);
  });

  it('keeps built-ins out of conditions: segments read them as computed traits', () => {
    expect(parseCondition('rfm("Order Completed".revenue, 365d) > 1').ok).toBe(false);
    expect(parseCondition('computed.rfm.r >= 4').ok).toBe(true);
  });
});

describe('engagement score', () => {
  const node = computed(
    'engagement(events: {"Page Viewed": 1, "Order Completed": 10, "Order Completed" where properties.revenue >= 100: 5}, recency: {7d: 1, 30d: 0.5})',
  );
  const plan = compileDefinitions(
    [{ name: 'engagement', tree: node }],
    [{ name: 'engaged', tree: condition('computed.engagement >= 12') }],
  );

  it('weights each event by its kind and by the recency window it is in, and slides with time', () => {
    const state = emptyDerivedState();
    const feed = (event: string, at: number, properties: Record<string, unknown> = {}) => {
      feedEvent(plan, state, { event, properties }, at);
      return refreshDerived(plan, state, { traits: {}, consent: {} }, at, { event });
    };
    feed('Page Viewed', T0);
    feed('Product Viewed', T0); // not weighted: not fed
    expect(state.computed.engagement).toBe(1);
    // A big order matches both order patterns: 10 + 5.
    const entered = feed('Order Completed', T0 + 2 * DAY, { revenue: 120 });
    expect(state.computed.engagement).toBe(16);
    expect(entered.entered).toEqual(['engaged']);
    // Next change: the page view leaves the 7-day window at T0 + 7d.
    expect(entered.dueAt).toBe(T0 + 7 * DAY);

    const at7 = refreshDerived(plan, state, { traits: {}, consent: {} }, T0 + 7 * DAY, {
      everything: true,
    });
    expect(state.computed.engagement).toBe(15.5);
    expect(at7.dueAt).toBe(T0 + 9 * DAY); // the order leaves the 7-day window
    const at9 = refreshDerived(plan, state, { traits: {}, consent: {} }, T0 + 9 * DAY, {
      everything: true,
    });
    expect(state.computed.engagement).toBe(0.5 + 7.5);
    expect(at9.exited).toEqual(['engaged']);
    refreshDerived(plan, state, { traits: {}, consent: {} }, T0 + 32 * DAY, { everything: true });
    expect(state.computed.engagement).toBe(0);
    expect(state.aggregates).toEqual({ [printComputed(node)]: { kind: 'window', entries: [] } });
  });
});

describe('RFM figures', () => {
  const node = computed('rfm("Order Completed".revenue, 30d)');
  const plan = compileDefinitions([{ name: 'rfm', tree: node }], []);

  it('reports recency in whole days, frequency and monetary over the window; scores once the population is known', () => {
    const state = emptyDerivedState();
    const at = (t: number) =>
      refreshDerived(plan, state, { traits: {}, consent: {} }, t, { everything: true });
    expect(at(T0).dueAt).toBeUndefined();
    expect(state.computed.rfm).toBeNull();
    feedEvent(plan, state, { event: 'Order Completed', properties: { revenue: 0.1 } }, T0);
    feedEvent(plan, state, { event: 'Order Completed', properties: { revenue: 0.2 } }, T0 + DAY);
    feedEvent(plan, state, { event: 'Order Completed', properties: { revenue: 'n/a' } }, T0 + DAY);
    const change = at(T0 + DAY + 3_600_000);
    expect(state.computed.rfm).toEqual({
      recency: 0,
      frequency: 3,
      monetary: 0.3,
      r: null,
      f: null,
      m: null,
      score: null,
    });
    expect(change.dueAt).toBe(T0 + 2 * DAY); // a whole day since the latest order
    at(T0 + 2 * DAY);
    expect(state.computed.rfm).toMatchObject({ recency: 1 });

    plan.populations.set(printComputed(node), {
      cuts: { recency: [0, 2, 5, 10], frequency: [1, 1, 2, 4], monetary: [0.1, 0.3, 1, 5] },
      people: 100,
      computedAt: new Date(T0).toISOString(),
    });
    at(T0 + 2 * DAY);
    // recency 1 is below 2, 5 and 10: r = 4; frequency 3 is above 1, 1 and 2: f = 4; monetary 0.3 is above 0.1 only: m = 2.
    expect(state.computed.rfm).toEqual({
      recency: 1,
      frequency: 3,
      monetary: 0.3,
      r: 4,
      f: 4,
      m: 2,
      score: '442',
    });
    at(T0 + 31 * DAY);
    expect(state.computed.rfm).toBeNull();
  });

  it('computes quintile cuts by linear interpolation, as numpy.percentile does', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [20, 40, 60, 80]) == [1.8, 2.6, 3.4, 5.2]
    const cuts = [0.2, 0.4, 0.6, 0.8].map((p) => quantileSorted([1, 2, 3, 4, 10], p));
    cuts.forEach((c, i) => {
      expect(c).toBeCloseTo([1.8, 2.6, 3.4, 5.2][i] ?? Number.NaN, 12);
    });
    expect(quantileSorted([7], 0.8)).toBe(7);
    const population = rfmPopulation(
      [
        { recency: 3, frequency: 1, monetary: 10 },
        { recency: 1, frequency: 2, monetary: 20 },
      ],
      'now',
    );
    expect(population).toEqual({
      cuts: {
        recency: [1.4, 1.8, 2.2, 2.6],
        frequency: [1.2, 1.4, 1.6, 1.8],
        monetary: [12, 14, 16, 18],
      },
      people: 2,
      computedAt: 'now',
    });
    expect(rfmPopulation([], 'now').cuts).toEqual({ recency: [], frequency: [], monetary: [] });
  });

  it('scores ties together and puts the best fifth at 5', () => {
    expect([0, 1, 1.8, 2, 100].map((v) => scoreHigherIsBetter(v, [1, 1, 2, 4]))).toEqual([
      1, 1, 3, 3, 5,
    ]);
    expect([0, 3, 50].map((v) => scoreLowerIsBetter(v, [2, 5, 10, 20]))).toEqual([5, 4, 1]);
  });
});
