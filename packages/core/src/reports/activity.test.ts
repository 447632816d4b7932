import { describe, expect, it } from 'vitest';
import { activityFrame, activityResult, ActivityTally } from './activity.js';

const T = Date.parse('2026-12-06T10:17:42.500Z');

describe('activityFrame', () => {
  it.each([
    ['hour', '2026-12-06T09:18:00.000Z', '2026-12-06T10:18:00.000Z', 60_000, 60],
    ['day', '2026-12-05T11:00:00.000Z', '2026-12-06T11:00:00.000Z', 3_600_000, 24],
    ['week', '2026-11-29T11:00:00.000Z', '2026-12-06T11:00:00.000Z', 3_600_000, 168],
  ] as const)('%s ends with the bucket now is in', (window, from, to, bucketMs, buckets) => {
    expect(activityFrame(window, T)).toEqual({
      window,
      from: Date.parse(from),
      to: Date.parse(to),
      bucketMs,
      buckets,
    });
  });
});

describe('ActivityTally and activityResult', () => {
  it('counts by bucket and name, leaves out what falls outside, and ranks names by count then name', () => {
    const frame = activityFrame('hour', T);
    const tally = new ActivityTally(frame);
    const at = (iso: string) => Date.parse(iso);
    tally.add(at('2026-12-06T09:18:00.000Z'), 'B'); // the first instant of the window
    tally.add(at('2026-12-06T09:18:59.999Z'), 'A');
    tally.add(at('2026-12-06T10:17:00.000Z'), undefined); // an identify: counted, not named
    tally.add(at('2026-12-06T10:17:30.000Z'), 'A');
    tally.add(at('2026-12-06T09:17:59.999Z'), 'C'); // before the window
    tally.add(at('2026-12-06T10:18:00.000Z'), 'C'); // at its end: outside
    tally.add(Number.NaN, 'C');
    tally.add(at('2026-12-06T10:00:00.000Z'), 'B');
    const result = activityResult(frame, tally.counts, tally.byName(), {
      top: 2,
      read: 'log',
      complete: true,
    });
    expect(result.buckets).toHaveLength(60);
    expect(result.buckets[0]).toEqual({ at: '2026-12-06T09:18:00.000Z', events: 2 });
    expect(result.buckets[42]).toEqual({ at: '2026-12-06T10:00:00.000Z', events: 1 });
    expect(result.buckets[59]).toEqual({ at: '2026-12-06T10:17:00.000Z', events: 2 });
    expect(result.total).toBe(5);
    // A and B both twice: by name.
    expect(result.top).toEqual([
      { event: 'A', events: 2 },
      { event: 'B', events: 2 },
    ]);
    expect(result).toMatchObject({
      window: 'hour',
      from: '2026-12-06T09:18:00.000Z',
      to: '2026-12-06T10:18:00.000Z',
      bucketSeconds: 60,
      read: 'log',
      complete: true,
    });
  });
});
