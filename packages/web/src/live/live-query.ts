/** The message types the log holds, for the type filter. */
export const MESSAGE_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;

/** The live events page's filters, as typed: empty means "any". */
export interface LiveFilters {
  type: string;
  event: string;
  /** Which identifier `person` is. */
  kind: 'userId' | 'anonymousId';
  person: string;
  source: string;
}

export const NO_FILTERS: LiveFilters = {
  type: '',
  event: '',
  kind: 'userId',
  person: '',
  source: '',
};

/** The filters a page address holds (`#/events?type=track&event=…`), anything else ignored. */
export function parseLiveFilters(search: string): LiveFilters {
  const params = new URLSearchParams(search);
  const type = params.get('type') ?? '';
  const anonymousId = params.get('anonymousId');
  return {
    type: (MESSAGE_TYPES as readonly string[]).includes(type) ? type : '',
    event: params.get('event') ?? '',
    kind: anonymousId !== null && params.get('userId') === null ? 'anonymousId' : 'userId',
    person: params.get('userId') ?? anonymousId ?? '',
    source: params.get('source') ?? '',
  };
}

/** The query string of the filters given (trimmed; empty ones left out), for the address and the API alike. */
export function liveSearch(filters: LiveFilters): string {
  const params = new URLSearchParams();
  if (filters.type !== '') params.set('type', filters.type);
  const event = filters.event.trim();
  if (event !== '') params.set('event', event);
  const person = filters.person.trim();
  if (person !== '') params.set(filters.kind, person);
  const source = filters.source.trim();
  if (source !== '') params.set('source', source);
  return params.toString();
}

/**
 * The API's path for a page of the whole log newest first: `order=desc` always, so a person
 * alone is read newest first too rather than from their first event.
 */
export function liveEventsPath(filters: LiveFilters, limit: number, cursor?: string): string {
  const params = new URLSearchParams(liveSearch(filters));
  params.set('order', 'desc');
  params.set('limit', String(limit));
  if (cursor !== undefined) params.set('cursor', cursor);
  return `/v1/events?${params.toString()}`;
}

/** The page address of the live events with these filters. */
export function liveEventsHash(filters: Partial<LiveFilters>): string {
  const search = liveSearch({ ...NO_FILTERS, ...filters });
  return search === '' ? '#/events' : `#/events?${search}`;
}

/**
 * The live events' filters for an event name as reports give it: pages and screens are counted
 * as `Page Viewed` and `Screen Viewed`, names no page carries, so those open the type.
 */
export function filtersOfReportName(name: string): Partial<LiveFilters> {
  if (name === 'Page Viewed') return { type: 'page' };
  if (name === 'Screen Viewed') return { type: 'screen' };
  return { type: 'track', event: name };
}
