import { describe, expect, it } from 'vitest';
import { parseDay } from '../src/models/parse-day.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('parseDay (the dates tailor clv reads)', () => {
  it.each<[string, number | undefined]>([
    ['1997-09-30', day('1997-09-30')],
    ['19970930', day('1997-09-30')],
    ['1970-01-01', 0],
    ['2024-02-29', day('2024-02-29')],
    ['2024-02-29T23:59:59+14:00', day('2024-02-29')],
    ['2024-03-01 08:00', day('2024-03-01')],
    ['2024-03-01T08:00:00.123Z', day('2024-03-01')],
    // Whatever parseTimestamp reads: the basic format, a lower-case t, an hour-only offset, spaces.
    ['20240301T233000-0500', day('2024-03-01')],
    ['20240301T0800Z', day('2024-03-01')],
    ['2024-03-01t08:00:00', day('2024-03-01')],
    ['2024-03-01T23:30:00+02', day('2024-03-01')],
    [' 2024-03-01 ', day('2024-03-01')],
    ['2023-02-29', undefined],
    ['1997-13-01', undefined],
    ['19970931', undefined],
    ['1997-9-30', undefined],
    ['1997-0930', undefined],
    ['30/09/1997', undefined],
    ['2024-03-01Tnoon', undefined],
    ['', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseDay(text)).toBe(expected);
  });
});
