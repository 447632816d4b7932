import type { EventLog, IdentifierQuery, LoggedEvent } from '../log/event-log.js';
import { pageRows } from '../log/sqlite/page-rows.js';
import { PROFILES_CONSUMER } from '../pipeline/profile-pipeline.js';
import type { ProfileStore } from '../store/profile-store.js';

/**
 * One userId's or anonymousId's events, in log order, cursor-paged (`GET /v1/events`): from the
 * index the profile pipeline keeps up to its position, then from the log's events beyond it, read
 * one by one (few while the pipeline keeps up), so an event is found as soon as it is collected.
 */
export async function eventsOfIdentifier(
  log: EventLog,
  profiles: ProfileStore,
  query: IdentifierQuery,
): Promise<{ events: LoggedEvent[]; next: number | null }> {
  const wanted = query.limit + 1; // one more than the page: whether another follows
  const indexed = await profiles.eventsByIdentifier(PROFILES_CONSUMER, { ...query, limit: wanted });
  // Positions an erasure removed from the log are skipped by the read.
  const events = await log.readPositions(indexed.positions);
  if (indexed.positions.length < wanted) {
    const after = Math.max(query.after, indexed.indexedTo);
    const tail = await log.scanByIdentifier({
      ...query,
      after,
      limit: wanted - indexed.positions.length,
    });
    events.push(...tail.events);
  }
  const { page, next } = pageRows(events, query.limit, (e) => e.position);
  return { events: page, next };
}
