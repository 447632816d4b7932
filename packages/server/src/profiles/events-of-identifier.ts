import type { EventLog, IdentifierQuery, LoggedEvent } from '../log/event-log.js';
import { pageRows } from '../log/sqlite/page-rows.js';
import { PROFILES_CONSUMER, partitionConsumer } from '../pipeline/profile-pipeline.js';
import type { ProfileReader } from '../store/profile-store.js';

/**
 * The consumers that fold the log and keep the index of events by identifier: one over every
 * partition (one process), or one per partition, consumer `i` folding partition `i` (several nodes).
 */
export function indexingConsumers(partitions: number | undefined): string[] {
  return partitions === undefined
    ? [PROFILES_CONSUMER]
    : Array.from({ length: partitions }, (_, p) => partitionConsumer(p));
}

/**
 * One userId's or anonymousId's events, in log order, cursor-paged (`GET /v1/events`): from the
 * index the pipelines keep up to their positions, and from the log's events beyond them, read one
 * by one (few while the pipelines keep up), so an event is found as soon as it is collected.
 */
export async function eventsOfIdentifier(
  log: EventLog,
  profiles: Pick<ProfileReader, 'eventsByIdentifier'>,
  consumers: readonly string[],
  query: IdentifierQuery,
): Promise<{ events: LoggedEvent[]; next: number | null }> {
  const wanted = query.limit + 1; // one more than the page: whether another follows
  const indexed = await profiles.eventsByIdentifier(consumers, { ...query, limit: wanted });
  // Positions an erasure removed from the log are skipped by the read.
  const events = await log.readPositions(indexed.positions);
  const lowest = Math.min(...indexed.indexedTo);
  const lastIndexed = indexed.positions[indexed.positions.length - 1] ?? 0;
  // The part not indexed yet may hold events before the last indexed one (a partition folded later
  // than another): then it is read as far as the page, and the two merged in log order.
  const tailFirst = lowest < lastIndexed;
  if (indexed.positions.length < wanted || tailFirst) {
    const tail = await log.scanByIdentifier({
      ...query,
      limit: tailFirst ? wanted : wanted - indexed.positions.length,
      ...(consumers.length === 1
        ? { after: Math.max(query.after, lowest) }
        : { indexedTo: indexed.indexedTo }),
    });
    events.push(...tail.events);
    events.sort((a, b) => a.position - b.position);
  }
  const { page, next } = pageRows(events, query.limit, (e) => e.position);
  return { events: page, next };
}
