import type { MessageType, StoredMessage } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';

/** What the newest-first read of the whole log keeps: every condition given must hold. */
export interface LogFilter {
  type?: MessageType | undefined;
  /** A track's event name, or a page's or screen's name. */
  event?: string | undefined;
  userId?: string | undefined;
  anonymousId?: string | undefined;
  /** Who sent it, as the message records it (`tailor.source`: `key:NAME`, `import:FILE`, …). */
  source?: string | undefined;
}

export interface LatestQuery extends LogFilter {
  /** Read before this position (exclusive); from the log's end when undefined. */
  before?: number | undefined;
  limit: number;
}

/** A page of the newest-first read; `next` is the position to read before, null at the log's start. */
export interface LatestPage {
  events: StoredMessage[];
  next: number | null;
}

/**
 * How many events one request examines at most: a filter that matches rarely answers a short
 * (even empty) page with a cursor to read on from, rather than scanning the whole log at once.
 */
export const LATEST_SCAN = 20_000;
/** Events read from the log a step while a filter is given. */
const FILTERED_STEP = 1000;

/**
 * The newest events of the whole log first, across every person (`GET /v1/events` naming nobody,
 * or with `order=desc`), kept by `filter`; `hidden` leaves out what may not be shown (the
 * events of a suppressed person, still in the log until the pipeline carries the erasure out).
 */
export async function latestEvents(
  log: Pick<EventLog, 'readBefore'>,
  hidden: (message: StoredMessage) => boolean,
  query: LatestQuery,
  scan = LATEST_SCAN,
): Promise<LatestPage> {
  const keep = logFilter(query);
  const filtered = query.type ?? query.event ?? query.userId ?? query.anonymousId ?? query.source;
  // One match more than the page, when found within the scan: whether another page follows.
  const found: { position: number; message: StoredMessage }[] = [];
  let before = query.before;
  let scanned = 0;
  let atStart = false;
  while (!atStart && scanned < scan && found.length <= query.limit) {
    const wanted = query.limit + 1 - found.length;
    const ask = Math.min(scan - scanned, filtered === undefined ? wanted : FILTERED_STEP);
    const page = await log.readBefore(before, ask);
    for (const event of page) {
      scanned++;
      before = event.position;
      if (keep(event.message) && !hidden(event.message)) {
        found.push(event);
        if (found.length > query.limit) break;
      }
    }
    atStart = page.length < ask;
  }
  const events = found.slice(0, query.limit);
  if (found.length > query.limit)
    return { events: events.map((e) => e.message), next: events.at(-1)?.position ?? null };
  // Else the scan reached the start, or stopped short of it: read on from where it stopped.
  return { events: events.map((e) => e.message), next: atStart ? null : (before ?? null) };
}

/** Whether a message meets every condition the filter gives. */
export function logFilter(filter: LogFilter): (message: StoredMessage) => boolean {
  return (m) =>
    (filter.type === undefined || m.type === filter.type) &&
    (filter.event === undefined || nameOf(m) === filter.event) &&
    (filter.userId === undefined || m.userId === filter.userId) &&
    (filter.anonymousId === undefined || m.anonymousId === filter.anonymousId) &&
    (filter.source === undefined || m.tailor.source === filter.source);
}

/** A track's event name, a page's or screen's name; undefined for the other types. */
function nameOf(m: StoredMessage): string | undefined {
  if (m.type === 'track') return m.event;
  if (m.type === 'page' || m.type === 'screen') return m.name ?? undefined;
  return undefined;
}
