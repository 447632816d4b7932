import type { StoredMessage } from '../events/events.schema.js';
import type { AnnouncedChange } from './profile-graph.js';

/**
 * The track event announcing a computed trait's change (`Journey Stage Changed`), as the stores
 * put it in the outbox beside segment entries: under the person's first userId and anonymousId,
 * from the pipeline (`segments`, as segment entries are, so journeys read the profile it names).
 * Its messageId is the change's own, so announcing it again stores nothing twice.
 */
export function announcementOf(
  change: AnnouncedChange,
  ids: { userId: string | null; anonymousId: string | null },
): StoredMessage {
  return {
    type: 'track',
    messageId: `announce:${change.trait}:${change.profileId}:${change.at}:${change.cause}`,
    event: change.event,
    userId: ids.userId,
    anonymousId: ids.anonymousId,
    properties: {
      trait: change.trait,
      stage: change.to,
      previousStage: change.from,
      profileId: change.profileId,
      cause: change.cause,
    },
    timestamp: change.at,
    receivedAt: change.at,
    context: {},
    tailor: { source: 'segments' },
  };
}
