import { describe, expect, it } from 'vitest';
import { segmentEntries, type Membership } from './segment-entries.js';

const change = (segment: string, entered: boolean, at: string, cause = 'event'): Membership => ({
  segment,
  profileId: 'p1',
  entered,
  at,
  cause,
});

describe('segmentEntries', () => {
  it.each<[string, string[], Membership[], ReturnType<typeof segmentEntries>]>([
    ['no segments, no history', [], [], { current: [], left: [] }],
    [
      'the latest entry counts after leaving and coming back',
      ['buyers'],
      [
        change('buyers', true, '2026-11-01T00:00:00.000Z'),
        change('buyers', false, '2026-11-02T00:00:00.000Z', 'time'),
        change('buyers', true, '2026-11-03T00:00:00.000Z', 'backfill'),
      ],
      {
        current: [{ segment: 'buyers', at: '2026-11-03T00:00:00.000Z', cause: 'backfill' }],
        left: [],
      },
    ],
    [
      'a segment with no entry in the history has no time',
      ['vip'],
      [],
      { current: [{ segment: 'vip' }], left: [] },
    ],
    [
      'segments left are listed apart, the latest first; names sorted',
      ['zeta', 'alpha'],
      [
        change('alpha', true, '2026-11-01T00:00:00.000Z'),
        change('old', true, '2026-11-01T00:00:00.000Z'),
        change('older', true, '2026-11-01T00:00:00.000Z'),
        change('older', false, '2026-11-02T00:00:00.000Z', 'time'),
        change('old', false, '2026-11-04T00:00:00.000Z'),
        change('zeta', true, '2026-11-05T00:00:00.000Z'),
      ],
      {
        current: [
          { segment: 'alpha', at: '2026-11-01T00:00:00.000Z', cause: 'event' },
          { segment: 'zeta', at: '2026-11-05T00:00:00.000Z', cause: 'event' },
        ],
        left: [
          { segment: 'old', at: '2026-11-04T00:00:00.000Z', cause: 'event' },
          { segment: 'older', at: '2026-11-02T00:00:00.000Z', cause: 'time' },
        ],
      },
    ],
  ])('%s', (_name, current, history, expected) => {
    expect(segmentEntries(current, history)).toEqual(expected);
  });
});
