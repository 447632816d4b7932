import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clusters/seeded-random.js';
import { computeFunnel, type FunnelEvent } from './funnel.js';
import type { FunnelOrder } from './funnel.schema.js';

const H = 3_600_000;
const ev = (hours: number, ...steps: number[]): FunnelEvent => ({ at: hours * H, steps });

/**
 * The furthest step a person reached, by enumeration (independent of computeFunnel's greedy
 * attempts and sliding window): the largest k for which some choice of k distinct events does
 * steps 1..k (in order, and consecutively for strict) with the last within the window of the first.
 */
function bruteForceReach(
  events: readonly FunnelEvent[],
  m: number,
  windowMs: number,
  order: FunnelOrder,
): number {
  let best = 0;
  const search = (chosen: number[]): void => {
    const k = chosen.length;
    if (k > 0) {
      const times = chosen.map((i) => (events[i] as FunnelEvent).at);
      if (Math.max(...times) - Math.min(...times) > windowMs) return;
      best = Math.max(best, k);
    }
    if (k === m) return;
    for (let i = 0; i < events.length; i++) {
      if (chosen.includes(i) || !(events[i] as FunnelEvent).steps.includes(k)) continue;
      if (order !== 'any' && k > 0) {
        const last = chosen[k - 1] as number;
        if (order === 'strict' ? i !== last + 1 : i <= last) continue;
        // No event excluded from gap k - 1 strictly between step k's event and this one.
        if (events.slice(last + 1, i).some((e) => e.excludes?.includes(k - 1) === true)) continue;
      }
      search([...chosen, i]);
    }
  };
  search([]);
  return best;
}

describe('computeFunnel', () => {
  it.each(['ordered', 'strict', 'any'] as const)(
    'counts each step as enumeration does, on 400 random people (%s)',
    (order) => {
      const next = seededRandom(order.length);
      const m = 4;
      const people = Array.from({ length: 400 }, () => {
        let at = 0;
        return Array.from({ length: 1 + Math.floor(next() * 8) }, () => {
          at += Math.floor(next() * 30) * H;
          const step = Math.floor(next() * (m + 1)); // m: an event of no step
          return { at, steps: step === m ? [] : [step] };
        });
      });
      const windowMs = 48 * H;
      const result = computeFunnel(people, { steps: m, windowMs, order });
      const expected = new Array<number>(m).fill(0);
      for (const events of people) {
        const reach = bruteForceReach(events, m, windowMs, order);
        for (let k = 0; k < reach; k++) expected[k] = (expected[k] as number) + 1;
      }
      expect(result.steps.map((s) => s.count)).toEqual(expected);
      expect(result.people).toBe(400);
      expect(expected[m - 1]).toBeGreaterThan(0);
    },
  );

  it.each(['ordered', 'strict'] as const)(
    'with exclusions, counts each step as enumeration does, on 400 random people (%s)',
    (order) => {
      const next = seededRandom(40 + order.length);
      const m = 4;
      const people = Array.from({ length: 400 }, () => {
        let at = 0;
        return Array.from({ length: 1 + Math.floor(next() * 10) }, () => {
          at += Math.floor(next() * 30) * H;
          const step = Math.floor(next() * (m + 2)); // m: no step, m + 1: excluded
          const excludes = step === m + 1 ? [Math.floor(next() * (m - 1))] : [];
          return { at, steps: step >= m ? [] : [step], excludes };
        });
      });
      const windowMs = 72 * H;
      const result = computeFunnel(people, { steps: m, windowMs, order });
      const expected = new Array<number>(m).fill(0);
      for (const events of people) {
        const reach = bruteForceReach(events, m, windowMs, order);
        for (let k = 0; k < reach; k++) expected[k] = (expected[k] as number) + 1;
      }
      expect(result.steps.map((s) => s.count)).toEqual(expected);
      const without = computeFunnel(
        people.map((events) => events.map(({ at, steps }) => ({ at, steps }))),
        { steps: m, windowMs, order },
      );
      if (order === 'ordered')
        expect(without.steps[m - 1]?.count).toBeGreaterThan(expected[m - 1] as number);
      expect(expected[order === 'strict' ? 1 : m - 1]).toBeGreaterThan(0);
    },
  );

  it('an excluded event ends the gap it names, yet a later step event starts it again', () => {
    // Steps A, B, C with X excluded between B and C: A, B, X, B, C converts through the second B.
    const converts = [
      ev(0, 0),
      ev(1, 1),
      { at: 2 * H, steps: [], excludes: [1] },
      ev(3, 1),
      ev(4, 2),
    ];
    // A, B, X, C: drops out after B.
    const drops = [ev(0, 0), ev(1, 1), { at: 2 * H, steps: [], excludes: [1] }, ev(3, 2)];
    // X excluded between B and C does not end the gap between A and B.
    const earlier = [ev(0, 0), { at: 1 * H, steps: [], excludes: [1] }, ev(2, 1), ev(3, 2)];
    const result = computeFunnel([converts, drops, earlier], {
      steps: 3,
      windowMs: 24 * H,
      order: 'ordered',
    });
    expect(result.steps.map((s) => s.count)).toEqual([3, 3, 2]);
  });

  it('reports rates, drop-off and times to convert of the furthest attempt', () => {
    const people = [
      // An abandoned attempt at 0 h, then a complete one from 100 h: counts as complete.
      [ev(0, 0), ev(200, 1), ev(100, 0), ev(101, 1), ev(103, 2)].sort((a, b) => a.at - b.at),
      // Steps 1 and 2, 3 hours apart; step 3 outside the 24 h window.
      [ev(0, 0), ev(3, 1), ev(30, 2)],
      // Step 2 before step 1 only: reaches step 1.
      [ev(0, 1), ev(5, 0)],
    ];
    const result = computeFunnel(people, { steps: 3, windowMs: 24 * H, order: 'ordered' });
    expect(result.steps).toEqual([
      {
        step: 1,
        count: 3,
        conversionRate: 1,
        stepConversionRate: 1,
        dropOff: 0,
        medianSecondsFromPrevious: null,
        meanSecondsFromPrevious: null,
      },
      {
        step: 2,
        count: 2,
        conversionRate: 2 / 3,
        stepConversionRate: 2 / 3,
        dropOff: 1,
        medianSecondsFromPrevious: 2 * 3600, // 1 h and 3 h
        meanSecondsFromPrevious: 2 * 3600,
      },
      {
        step: 3,
        count: 1,
        conversionRate: 1 / 3,
        stepConversionRate: 1 / 2,
        dropOff: 1,
        medianSecondsFromPrevious: 2 * 3600,
        meanSecondsFromPrevious: 2 * 3600,
      },
    ]);
  });

  it('strict funnels stop at any other event; any-order funnels ignore the order', () => {
    const person = [ev(0, 0), ev(1), ev(2, 1), ev(3, 2)];
    const strict = computeFunnel([person], { steps: 3, windowMs: 24 * H, order: 'strict' });
    expect(strict.steps.map((s) => s.count)).toEqual([1, 0, 0]);
    const ordered = computeFunnel([person], { steps: 3, windowMs: 24 * H, order: 'ordered' });
    expect(ordered.steps.map((s) => s.count)).toEqual([1, 1, 1]);
    const reversed = [ev(0, 2), ev(1, 1), ev(2, 0)];
    const any = computeFunnel([reversed], { steps: 3, windowMs: 24 * H, order: 'any' });
    expect(any.steps.map((s) => s.count)).toEqual([1, 1, 1]);
    expect(any.steps[2]?.medianSecondsFromPrevious).toBeNull();
  });
});
