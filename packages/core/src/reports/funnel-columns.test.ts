import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clusters/seeded-random.js';
import { computeFunnelColumns, type FunnelColumns } from './funnel-columns.js';
import { computeFunnel, type FunnelEvent } from './funnel.js';
import { FUNNEL_ORDERS } from './funnel.schema.js';

const H = 3_600_000;

/** People's events as columns, bit k for step k and bit g for gap g. */
function columnsOf(people: readonly FunnelEvent[][]): FunnelColumns {
  const rows = people.flat();
  const offsets = new Int32Array(people.length + 1);
  people.forEach((events, p) => (offsets[p + 1] = (offsets[p] as number) + events.length));
  const bits = (list: readonly number[] | undefined) =>
    (list ?? []).reduce((b, k) => b | (1 << k), 0);
  return {
    offsets,
    at: Float64Array.from(rows, (e) => e.at),
    steps: Int32Array.from(rows, (e) => bits(e.steps)),
    excludes: Int32Array.from(rows, (e) => bits(e.excludes)),
  };
}

/**
 * Random people over m steps: an event matches one step, two (the same event name at two steps),
 * or none, and is sometimes excluded from a gap; equal times happen.
 */
function randomPeople(seed: number, m: number, exclusions: boolean): FunnelEvent[][] {
  const next = seededRandom(seed);
  return Array.from({ length: 500 }, () => {
    let at = 0;
    return Array.from({ length: 1 + Math.floor(next() * 12) }, (): FunnelEvent => {
      at += Math.floor(next() * 20) * H;
      const step = Math.floor(next() * (m + 1));
      const steps = step === m ? [] : next() < 0.15 && step + 2 < m ? [step, step + 2] : [step];
      const excluded = exclusions && next() < 0.2 ? [Math.floor(next() * (m - 1))] : [];
      return { at, steps, excludes: excluded };
    });
  });
}

describe('computeFunnelColumns', () => {
  for (const order of FUNNEL_ORDERS)
    for (const m of [2, 4, 20])
      it(`answers as computeFunnel does on 500 random people (${order}, ${m} steps)`, () => {
        const people = randomPeople(m * 7 + order.length, m, order !== 'any');
        const options = { steps: m, windowMs: 40 * H, order };
        const expected = computeFunnel(people, options);
        expect(computeFunnelColumns(columnsOf(people), options)).toEqual(expected);
        expect(expected.steps[1]?.count).toBeGreaterThan(0);
      });

  it('counts nobody over no people', () => {
    const result = computeFunnelColumns(columnsOf([]), { steps: 3, windowMs: H, order: 'ordered' });
    expect(result.people).toBe(0);
    expect(result.steps.map((s) => s.count)).toEqual([0, 0, 0]);
  });
});
