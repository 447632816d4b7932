import { describe, expect, it } from 'vitest';
import {
  AGGREGATE_FUNCTIONS,
  durationMs,
  type AggregateNode,
  type ComputedNode,
  type Duration,
} from '../segments/segments.schema.js';
import {
  addToAggregate,
  aggregateValue,
  initialAggregateState,
  mergeAggregateStates,
  nextAggregateChange,
  pruneAggregate,
} from './aggregate-state.js';

/** The reference: every aggregate computed from scratch over the whole event list. */
function bruteForce(
  node: AggregateNode,
  events: { at: number; value: unknown }[],
  now: number,
): unknown {
  const from = node.window ? now - durationMs(node.window) : -Infinity;
  const inWindow = events.filter((e) => e.at > from && e.at <= now).sort((a, b) => a.at - b.at);
  const values = inWindow.map((e) =>
    typeof e.value === 'number' || typeof e.value === 'string' ? e.value : null,
  );
  const numbers = values.filter((v): v is number => typeof v === 'number');
  switch (node.fn) {
    case 'count':
      return inWindow.length;
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'avg':
      return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null;
    case 'min':
      return numbers.length ? Math.min(...numbers) : null;
    case 'max':
      return numbers.length ? Math.max(...numbers) : null;
    case 'distinct':
      return new Set(values.filter((v) => v !== null).map(String)).size;
    case 'most_frequent': {
      const counts: Record<string, number> = {};
      const order: string[] = [];
      for (const v of values) {
        if (v === null) continue;
        if (!(String(v) in counts)) order.push(String(v));
        counts[String(v)] = (counts[String(v)] ?? 0) + 1;
      }
      let best: string | null = null;
      for (const k of order) if (best === null || (counts[k] ?? 0) > (counts[best] ?? 0)) best = k;
      return best;
    }
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values[values.length - 1] ?? null;
    case 'days_since': {
      const last = inWindow[inWindow.length - 1];
      return last === undefined ? null : Math.floor((now - last.at) / 86_400_000);
    }
  }
}

describe('incremental aggregates against a from-scratch reference', () => {
  const windows: (Duration | undefined)[] = [
    undefined,
    { amount: 5, unit: 's' },
    { amount: 2, unit: 'h' },
    { amount: 7, unit: 'd' },
  ];
  for (const fn of AGGREGATE_FUNCTIONS) {
    for (const window of fn === 'days_since' ? [undefined] : windows) {
      it(`${fn} over ${window ? `${window.amount}${window.unit}` : 'ever'}`, () => {
        let seed = 99;
        const rand = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
        const node: AggregateNode = {
          type: 'aggregate',
          fn,
          pattern: { event: 'E' },
          ...(fn !== 'count' && fn !== 'days_since' && { property: ['v'] }),
          ...(window && { window }),
        };
        const state = initialAggregateState(node);
        const events: { at: number; value: unknown }[] = [];
        let now = Date.UTC(2026, 0, 1);
        for (let step = 0; step < 400; step++) {
          now += rand(4) === 0 ? rand(3 * 86_400_000) : rand(4000);
          // Some events arrive late (up to a minute old); values are numbers, strings or missing.
          const at = now - (rand(5) === 0 ? rand(60_000) : 0);
          const value = [rand(100), `s${rand(6)}`, undefined, rand(1000) / 10][rand(4)];
          if (!node.window || at > now - durationMs(node.window)) {
            events.push({ at, value });
            addToAggregate(state, node, at, value);
          }
          if (rand(3) === 0) pruneAggregate(state, node, now);
          expect(aggregateValue(state, node, now)).toEqual(bruteForce(node, events, now));
        }
      });
    }
  }

  it.each(AGGREGATE_FUNCTIONS.flatMap((fn) => windows.map((window) => [fn, window] as const)))(
    'merging two people’s %s states equals aggregating their events together (window %j)',
    (fn, window) => {
      if (fn === 'days_since' && window) return;
      const node: AggregateNode = {
        type: 'aggregate',
        fn,
        pattern: { event: 'E' },
        property: ['v'],
        ...(window && { window }),
      };
      const now = Date.UTC(2026, 0, 10);
      const sides = [initialAggregateState(node), initialAggregateState(node)];
      const events: { at: number; value: unknown }[] = [];
      for (let i = 0; i < 120; i++) {
        const at = now - ((i * 7919) % 3_000_000) * 100;
        const value = i % 5 === 0 ? `s${i % 3}` : (i * 37) % 11;
        events.push({ at, value });
        const side = sides[i % 3 === 0 ? 1 : 0];
        if (side) addToAggregate(side, node, at, value);
      }
      const [a, b] = sides;
      if (!a || !b) throw new Error('two sides');
      expect(aggregateValue(mergeAggregateStates(node, a, b), node, now)).toEqual(
        bruteForce(node, events, now),
      );
    },
  );

  it('tells when a windowed value changes by time alone, so counts over 5s fall back to zero', () => {
    const node: AggregateNode = {
      type: 'aggregate',
      fn: 'count',
      pattern: { event: 'E' },
      window: { amount: 5, unit: 's' },
    };
    const state = initialAggregateState(node);
    addToAggregate(state, node, 1000, null);
    addToAggregate(state, node, 3000, null);
    expect(aggregateValue(state, node, 3000)).toBe(2);
    expect(nextAggregateChange(state, node, 3000)).toBe(6000);
    expect(aggregateValue(state, node, 6000)).toBe(1);
    expect(nextAggregateChange(state, node, 6000)).toBe(8000);
    pruneAggregate(state, node, 8000);
    expect(aggregateValue(state, node, 8000)).toBe(0);
    expect(nextAggregateChange(state, node, 8000)).toBeUndefined();
  });
});

describe('per-day purchase state (clv)', () => {
  const node: ComputedNode = {
    type: 'clv',
    pattern: { event: 'Order Completed' },
    property: ['revenue'],
    horizon: { amount: 52, unit: 'w' },
  };
  const DAY = 86_400_000;

  it('sums a day’s amounts into one entry in day order, late events included, and merges two people’s days exactly', () => {
    const events = [
      { at: 10 * DAY + 5, value: 20 },
      { at: 3 * DAY, value: 7.5 },
      { at: 10 * DAY + 80_000_000, value: 5 },
      { at: 6 * DAY, value: 'not a number' },
      { at: 3 * DAY + 1, value: 2.5 },
    ];
    const one = initialAggregateState(node);
    for (const e of events) addToAggregate(one, node, e.at, e.value);
    expect(one).toEqual({
      kind: 'days',
      days: [
        [3, 10],
        [6, 0],
        [10, 25],
      ],
    });
    // Split between two profiles, merged: the same days as one person's.
    const [a, b] = [initialAggregateState(node), initialAggregateState(node)];
    events.forEach((e, i) => {
      addToAggregate(i % 2 === 0 ? a : b, node, e.at, e.value);
    });
    expect(mergeAggregateStates(node, a, b)).toEqual(one);
  });
});
