import { describe, expect, it } from 'vitest';
import {
  filtersOfReportName,
  liveEventsHash,
  liveEventsPath,
  liveSearch,
  NO_FILTERS,
  parseLiveFilters,
} from './live-query.js';

describe('the live events filters', () => {
  it('read back from the address what they wrote to it', () => {
    const filters = {
      type: 'track',
      event: 'Order Completed',
      kind: 'anonymousId' as const,
      person: 'a&b=1',
      source: 'key:web',
    };
    expect(parseLiveFilters(liveSearch(filters))).toEqual(filters);
    expect(liveSearch(filters)).toBe(
      'type=track&event=Order+Completed&anonymousId=a%26b%3D1&source=key%3Aweb',
    );
  });

  it('leave out empty and blank fields, and trim the rest', () => {
    expect(liveSearch(NO_FILTERS)).toBe('');
    expect(liveSearch({ ...NO_FILTERS, event: '  ', person: ' u1 ' })).toBe('userId=u1');
    expect(liveEventsHash({})).toBe('#/events');
    expect(liveEventsHash({ event: 'Signed Up' })).toBe('#/events?event=Signed+Up');
  });

  it('ignore a type the log does not hold, and read a userId before an anonymousId', () => {
    expect(parseLiveFilters('type=click&userId=u&anonymousId=a')).toEqual({
      ...NO_FILTERS,
      person: 'u',
    });
  });

  it('always ask the API newest first, with the page size and the cursor', () => {
    expect(liveEventsPath({ ...NO_FILTERS, person: 'u1' }, 50, 'cA')).toBe(
      '/v1/events?userId=u1&order=desc&limit=50&cursor=cA',
    );
    expect(liveEventsPath(NO_FILTERS, 50)).toBe('/v1/events?order=desc&limit=50');
  });
});

describe('filtersOfReportName', () => {
  it("opens a report's page and screen names as their type, a track event by its name", () => {
    expect(liveEventsHash(filtersOfReportName('Page Viewed'))).toBe('#/events?type=page');
    expect(liveEventsHash(filtersOfReportName('Screen Viewed'))).toBe('#/events?type=screen');
    expect(liveEventsHash(filtersOfReportName('Order Completed'))).toBe(
      '#/events?type=track&event=Order+Completed',
    );
  });
});
