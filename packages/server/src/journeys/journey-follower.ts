import type { StoredMessage } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { JourneyRunner } from './journey-runner.js';
import type { JourneyStore } from './journey-store.js';

/** The journeys' consumer name for their position in the log. */
export const JOURNEYS_CONSUMER = 'journeys';

/**
 * Follows the event log from the journeys' own durable position (kept in the journey store, like a
 * destination's position): each track event enters its person into the journeys it starts, timed
 * from when the event was received, takes them out of those whose goal it is, and moves on those
 * whose `waitFor` awaits it. The position is saved after the batch's entries, and entry is
 * once per person per journey, so reading a batch again after a crash enters no one twice.
 * With `until`, events past that position wait (the profile pipeline's position: a person enters
 * once their profile holds the entry event and everything received before it, so a step at entry
 * reads the traits sent with or just before it).
 */
export async function followLog(options: {
  log: Pick<EventLog, 'read' | 'stats'>;
  store: JourneyStore;
  runner: JourneyRunner;
  /** The person an event is about (asked only of events that start a journey); by default its userId, else its anonymousId. */
  personOf?: (message: StoredMessage) => string | undefined | Promise<string | undefined>;
  limit?: number;
  /** Read no further than this position; asked only when the log holds events past the journeys' position. */
  until?: () => Promise<number>;
}): Promise<number> {
  const { log, store, runner } = options;
  const personOf =
    options.personOf ?? ((m: StoredMessage) => (m.userId ?? m.anonymousId) || undefined);
  const from = Number((await store.getPosition(JOURNEYS_CONSUMER)) ?? '0');
  // Idle, nothing new: no further question (`until` reads every partition's position on several nodes).
  const { lastPosition } = await log.stats();
  if (from >= lastPosition) return 0;
  await runner.refresh(); // journeys saved through another connection or node
  if (!runner.listensToAny()) {
    // No journey awaits any event: every one would be read (and decrypted) only to be passed
    // over, and `until` would be asked for nothing. The events up to `lastPosition` were in the
    // log before this refresh, which would have found a journey saved before any of them.
    await store.setPosition(JOURNEYS_CONSUMER, String(lastPosition));
    return 0;
  }
  const until = (await options.until?.()) ?? Infinity;
  if (from >= until) return 0;
  const events = (await log.read(from, options.limit ?? 1000)).filter((e) => e.position <= until);
  const last = events[events.length - 1];
  if (last === undefined) return 0;
  for (const { message } of events) {
    if (message.type !== 'track' || message.event === undefined) continue;
    if (message.tailor.erase !== undefined || !runner.listensTo(message.event)) continue;
    const person = await personOf(message);
    if (person === undefined) continue;
    await runner.onEvent({
      name: message.event,
      person,
      receivedAt: Date.parse(message.receivedAt),
      properties: message.properties,
      source: message.tailor.source,
    });
  }
  await store.setPosition(JOURNEYS_CONSUMER, String(last.position));
  return events.length;
}
