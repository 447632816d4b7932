import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clusters/seeded-random.js';
import { breakdownFunnel, type GroupedFunnelEvent } from './funnel-breakdown.js';
import { computeFunnel } from './funnel.js';
import { FUNNEL_ORDERS } from './funnel.schema.js';

const H = 3_600_000;
const VALUES = ['a', 'b', 'c', null];

/** Random people: 3-step events, exclusions of gap 0, step-1 events in one or two groups. */
function people(seed: number): GroupedFunnelEvent[][] {
  const next = seededRandom(seed);
  return Array.from({ length: 300 }, () => {
    let at = 0;
    return Array.from({ length: 1 + Math.floor(next() * 8) }, (): GroupedFunnelEvent => {
      at += Math.floor(next() * 30) * H;
      const step = Math.floor(next() * 4); // 3: no step
      const groups =
        step === 0
          ? [...new Set([VALUES[Math.floor(next() * 4)], VALUES[Math.floor(next() * 4)]])]
          : undefined;
      return {
        at,
        steps: step === 3 ? [] : [step],
        ...(step === 3 && next() < 0.3 && { excludes: [0] }),
        ...(groups && { groups: groups as (string | null)[] }),
      };
    });
  });
}

/**
 * The breakdown as copies: for each group, its people with the step-1 events of other groups
 * matching no step 1 (what the service did before breakdownFunnel).
 */
function byCopies(all: GroupedFunnelEvent[][], order: (typeof FUNNEL_ORDERS)[number]) {
  const options = { steps: 3, windowMs: 72 * H, order };
  return Object.fromEntries(
    VALUES.map((value) => {
      const group = all
        .filter((events) => events.some((e) => e.groups?.includes(value) === true))
        .map((events) =>
          events.map((e) => ({
            at: e.at,
            excludes: order === 'any' ? [] : (e.excludes ?? []),
            steps: e.groups === undefined || e.groups.includes(value) ? e.steps : [],
          })),
        );
      return [String(value), computeFunnel(group, options)];
    }),
  );
}

describe('breakdownFunnel', () => {
  it.each(FUNNEL_ORDERS)('equals the funnel over copies of each group (%s)', (order) => {
    for (const seed of [1, 2, 3]) {
      const all = people(seed).map((events) =>
        order === 'any' ? events.map(({ excludes: _x, ...e }) => e) : events,
      );
      const whole = computeFunnel(all, { steps: 3, windowMs: 72 * H, order });
      const result = breakdownFunnel(all, { steps: 3, windowMs: 72 * H, order }, 20);
      const expected = byCopies(all, order);
      expect(Object.fromEntries(result.map(({ value, ...r }) => [String(value), r]))).toEqual(
        expected,
      );
      // The most people first; the marks lifted: the whole funnel reads as before.
      const sizes = result.map((r) => r.people);
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      expect(computeFunnel(all, { steps: 3, windowMs: 72 * H, order })).toEqual(whole);
    }
  });

  it('keeps the largest groups only', () => {
    const all = people(4);
    const result = breakdownFunnel(all, { steps: 3, windowMs: 72 * H, order: 'ordered' }, 2);
    expect(result).toHaveLength(2);
  });
});
