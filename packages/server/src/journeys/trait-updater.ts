import { formatTimestamp } from '@tailor/core';
import type { EventLog } from '../log/event-log.js';
import type { ProfileReader } from '../store/profile-store.js';
import { personIds } from './person-ids.js';

/**
 * A journey's trait update as the person's `identify` appended to the log (source `journeys`), so
 * the profile folds it like any other, with its provenance, and segments and destinations follow.
 * The id is the step's for that run: stored once however often the step is run. A person erased
 * since, or known by no userId or anonymousId, gets nothing.
 */
export function traitUpdater(deps: {
  log: Pick<EventLog, 'append'>;
  profiles: Pick<ProfileReader, 'byId' | 'identifiers'>;
  now: () => number;
}): (person: string, traits: Record<string, unknown>, messageId: string) => Promise<void> {
  return async (person, traits, messageId) => {
    const profile = await deps.profiles.byId(person);
    if (profile === undefined) return;
    const ids = await personIds(deps.profiles, profile.id);
    if (ids === undefined) return;
    const now = formatTimestamp(deps.now());
    await deps.log.append([
      {
        type: 'identify',
        messageId,
        ...ids,
        timestamp: now,
        receivedAt: now,
        traits: { ...traits },
        context: {},
        tailor: { source: 'journeys' },
      },
    ]);
  };
}
