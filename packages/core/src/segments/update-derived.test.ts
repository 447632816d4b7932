import { describe, expect, it } from 'vitest';
import { compileDefinitions } from './compile-definitions.js';
import { parseComputed, parseCondition } from './parse-definition.js';
import type { AggregateNode, Condition } from './segments.schema.js';
import { emptyDerivedState, eventMatters, feedEvent, refreshDerived } from './update-derived.js';

const agg = (text: string): AggregateNode => {
  const r = parseComputed(text);
  if (!r.ok || r.value.type !== 'aggregate')
    throw new Error(r.ok ? `${text} is not an aggregate` : r.error.message);
  return r.value;
};
const cond = (text: string): Condition => {
  const r = parseCondition(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('derived state: computed traits and segments kept current', () => {
  const plan = compileDefinitions(
    [
      { name: 'orders_7d', tree: agg('count("Order Completed", 7d)') },
      { name: 'revenue', tree: agg('sum("Order Completed".revenue)') },
    ],
    [
      // Listed before what it reads: compilation orders segments by in_segment dependencies.
      { name: 'vip', tree: cond('in_segment("buyers") and traits.plan = "pro"') },
      { name: 'buyers', tree: cond('computed.orders_7d >= 2') },
      { name: 'abandoners', tree: cond('"Product Added" then not "Order Completed" within 1h') },
      {
        name: 'shoe fans',
        tree: cond('count("Product Viewed" where properties.category = "shoes", 30d) >= 1'),
      },
    ],
  );
  const profile = { traits: { plan: 'pro' }, consent: {} };

  it('knows which events can change derived state: those an aggregate or sequence takes, or a segment names', () => {
    expect(eventMatters(plan, { event: 'Order Completed', properties: { revenue: 5 } })).toBe(true);
    expect(eventMatters(plan, { event: 'Product Added' })).toBe(true); // a sequence's first step
    // A segment names the event: whatever its properties, it may matter.
    expect(eventMatters(plan, { event: 'Product Viewed', properties: { category: 'bags' } })).toBe(
      true,
    );
    const filtered = compileDefinitions(
      [
        {
          name: 'shoe_views',
          tree: agg('count("Product Viewed" where properties.category = "shoes")'),
        },
      ],
      [],
    );
    expect(
      eventMatters(filtered, { event: 'Product Viewed', properties: { category: 'shoes' } }),
    ).toBe(true);
    // Only an aggregate reads it, and its filter does not hold: nothing takes it.
    expect(
      eventMatters(filtered, { event: 'Product Viewed', properties: { category: 'bags' } }),
    ).toBe(false);
    expect(eventMatters(plan, { event: 'Decision Made', properties: { placement: 'hero' } })).toBe(
      false,
    );
    expect(eventMatters(plan, {})).toBe(false);
    const named = compileDefinitions(
      [],
      [{ name: 'seen', tree: cond('"Decision Made" then "Order Completed" within 1d') }],
    );
    expect(eventMatters(named, { event: 'Decision Made' })).toBe(true);
    // What eventMatters says is what feedEvent does.
    for (const event of [
      { event: 'Product Viewed', properties: { category: 'bags' } },
      { event: 'Product Viewed', properties: { category: 'shoes' } },
    ]) {
      expect(feedEvent(filtered, emptyDerivedState(), event, 0)).toBe(
        eventMatters(filtered, event),
      );
    }
  });

  it('enters and exits as events arrive and as windows slide, cascading through in_segment', () => {
    const state = emptyDerivedState();
    const t0 = Date.UTC(2026, 10, 1);
    const order = { event: 'Order Completed', properties: { revenue: 40 } };
    feedEvent(plan, state, order, t0);
    let change = refreshDerived(plan, state, profile, t0, { event: order.event });
    expect(change).toMatchObject({
      entered: [],
      computedChanged: ['orders_7d', 'revenue'],
      dueAt: t0 + 7 * DAY,
    });
    expect(state.computed).toEqual({ orders_7d: 1, revenue: 40 });

    feedEvent(plan, state, order, t0 + DAY);
    change = refreshDerived(plan, state, profile, t0 + DAY, { event: order.event });
    expect(change.entered).toEqual(['buyers', 'vip']);
    expect(state.segments).toEqual(['buyers', 'vip']);

    // Seven days after the first order, only one is left in the window: both exit, by time alone.
    change = refreshDerived(plan, state, profile, t0 + 7 * DAY, { everything: true });
    expect(change).toMatchObject({ exited: ['buyers', 'vip'], dueAt: t0 + 8 * DAY });
    expect(state.computed).toEqual({ orders_7d: 1, revenue: 80 });
  });

  it('finds cart abandonment when the hour passes, and leaves it on the order', () => {
    const state = emptyDerivedState();
    const t0 = Date.UTC(2026, 10, 1);
    feedEvent(plan, state, { event: 'Product Added' }, t0);
    let change = refreshDerived(plan, state, profile, t0, { event: 'Product Added' });
    expect(change).toMatchObject({ entered: [], dueAt: t0 + HOUR });
    change = refreshDerived(plan, state, profile, t0 + HOUR, { everything: true });
    expect(change.entered).toEqual(['abandoners']);
    feedEvent(
      plan,
      state,
      { event: 'Order Completed', properties: { revenue: 10 } },
      t0 + 2 * HOUR,
    );
    change = refreshDerived(plan, state, profile, t0 + 2 * HOUR, { event: 'Order Completed' });
    expect(change.exited).toEqual(['abandoners']);
  });

  it('re-evaluates only the segments an event can change', () => {
    const state = emptyDerivedState();
    const t0 = Date.UTC(2026, 10, 1);
    expect(
      feedEvent(plan, state, { event: 'Product Viewed', properties: { category: 'bags' } }, t0),
    ).toBe(false);
    expect(feedEvent(plan, state, { event: 'Page Viewed' }, t0)).toBe(false);
    feedEvent(plan, state, { event: 'Product Viewed', properties: { category: 'shoes' } }, t0);
    expect(refreshDerived(plan, state, profile, t0, { event: 'Product Viewed' }).entered).toEqual([
      'shoe fans',
    ]);
    expect(plan.segmentsByEvent.get('Product Viewed')).toEqual(['shoe fans']);
    expect(plan.segmentsReadingProfile).toEqual(['vip']);
  });
});
