import { describe, expect, it } from 'vitest';
import { seededRandom } from '../clusters/seeded-random.js';
import {
  computeRetentionColumns,
  RETENTION_RETURN,
  RETENTION_START,
  type RetentionColumns,
} from './retention-columns.js';
import { computeRetention, type RetentionEvent } from './retention.js';
import { RETENTION_PERIODS } from './retention.schema.js';

const H = 3_600_000;

function columnsOf(people: readonly RetentionEvent[][]): RetentionColumns {
  const rows = people.flat();
  const offsets = new Int32Array(people.length + 1);
  people.forEach((events, p) => (offsets[p + 1] = (offsets[p] as number) + events.length));
  return {
    offsets,
    at: Float64Array.from(rows, (e) => e.at),
    roles: Uint8Array.from(
      rows,
      (e) => (e.start ? RETENTION_START : 0) | (e.return ? RETENTION_RETURN : 0),
    ),
  };
}

describe('computeRetentionColumns', () => {
  it.each(RETENTION_PERIODS)(
    'answers as computeRetention does on 600 random people (%s)',
    (period) => {
      const next = seededRandom(period.length * 13);
      const step = period === 'day' ? 6 * H : period === 'week' ? 40 * H : 170 * H;
      // From 2025-12-20: weeks and months across a year's end, a leap day ahead.
      const origin = Date.UTC(2025, 11, 20);
      const people = Array.from({ length: 600 }, () => {
        let at = origin + Math.floor(next() * 60) * step;
        return Array.from({ length: 1 + Math.floor(next() * 10) }, (): RetentionEvent => {
          at += Math.floor(next() * 10) * step;
          const kind = next();
          return { at, start: kind < 0.4 || kind > 0.9, return: kind >= 0.4 };
        });
      });
      const options = { period, periods: 12, now: origin + 100 * step, since: origin + 5 * step };
      const expected = computeRetention(people, options);
      expect(computeRetentionColumns(columnsOf(people), options)).toEqual(expected);
      expect(expected.cohorts.length).toBeGreaterThan(3);
    },
  );
});
