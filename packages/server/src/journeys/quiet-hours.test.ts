import { describe, expect, it } from 'vitest';
import { quietUntil } from './quiet-hours.js';

/**
 * [case, now (UTC), start, end, time zone, when the quiet hours end (UTC) or null outside them].
 * The expected ends were computed with Python's zoneinfo (the IANA database, independent of ICU):
 * the next local `end` after now, made aware in the zone and converted to UTC.
 */
const CASES: [string, string, string, string, string, string | null][] = [
  [
    'evening in New York (winter)',
    '2026-01-06T02:00:00Z',
    '21:00',
    '08:00',
    'America/New_York',
    '2026-01-06T13:00:00Z',
  ],
  [
    'before the window, New York',
    '2026-01-06T01:59:00Z',
    '21:00',
    '08:00',
    'America/New_York',
    null,
  ],
  ['end itself is outside', '2026-01-06T13:00:00Z', '21:00', '08:00', 'America/New_York', null],
  [
    'spring forward inside the window, New York',
    '2026-03-08T06:30:00Z',
    '21:00',
    '08:00',
    'America/New_York',
    '2026-03-08T12:00:00Z',
  ],
  [
    'fall back inside the window, New York',
    '2026-11-01T04:30:00Z',
    '21:00',
    '08:00',
    'America/New_York',
    '2026-11-01T13:00:00Z',
  ],
  [
    'spring forward, Paris',
    '2026-03-28T22:00:00Z',
    '22:00',
    '07:00',
    'Europe/Paris',
    '2026-03-29T05:00:00Z',
  ],
  [
    'half-hour zone, Kolkata',
    '2026-07-01T19:30:00Z',
    '22:00',
    '07:30',
    'Asia/Kolkata',
    '2026-07-02T02:00:00Z',
  ],
  [
    'same-day window, Tokyo lunch',
    '2026-05-01T03:15:00Z',
    '12:00',
    '13:00',
    'Asia/Tokyo',
    '2026-05-01T04:00:00Z',
  ],
  ['outside a same-day window', '2026-05-01T05:15:00Z', '12:00', '13:00', 'Asia/Tokyo', null],
  ['UTC night', '2026-05-01T23:59:00Z', '22:00', '06:00', 'UTC', '2026-05-02T06:00:00Z'],
];

describe('quietUntil', () => {
  it.each(CASES)('%s', (_name, now, start, end, zone, expected) => {
    const until = quietUntil(Date.parse(now), { start, end }, zone);
    expect(until === undefined ? null : new Date(until).toISOString().replace('.000', '')).toBe(
      expected,
    );
  });

  it('has no quiet hours when start and end are equal', () => {
    expect(
      quietUntil(Date.parse('2026-01-06T02:00:00Z'), { start: '08:00', end: '08:00' }, 'UTC'),
    ).toBeUndefined();
  });
});
