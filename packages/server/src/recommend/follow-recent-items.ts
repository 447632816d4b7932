import { DEFAULT_RECOMMENDER_EVENTS, indexOfId, type IdentifierRef } from '@tailor/core';
import type { StoredProfile } from '../store/profile-store.js';
import {
  itemsHad,
  refused,
  type TrainedRecommender,
  type TrainingDeps,
} from './recommender-training.js';

/** Items kept per person since training (the latest): enough to move a list, bounded. */
export const RECENT_PER_PERSON = 50;
/** Log positions read per page, and pages per call: a call stays short on the request thread. */
const PAGE = 1000;
const PAGES = 5;

/**
 * Follows the log past what a model was trained on, so a list reacts to what a person just did:
 * each item of the model's catalogue someone had since (by the same rules as training: the
 * recommender's events, no refusal, no erased person) is kept under their row key (their
 * profile's, else their userId's or anonymousId's), at most RECENT_PER_PERSON per person. Items
 * the model never saw wait for the next training. `changed` is told each person whose items
 * changed (by row key). Returns the positions passed.
 */
export async function followRecentItems(
  trained: TrainedRecommender,
  deps: Pick<TrainingDeps, 'log' | 'profiles' | 'suppressed'>,
  changed?: (person: string) => void,
): Promise<number> {
  const events = new Set(trained.definition.events ?? DEFAULT_RECOMMENDER_EVENTS);
  // Identifiers looked up once per call: a visitor's many views cost one read.
  const people = new Map<string, Promise<StoredProfile | undefined>>();
  const profileOf = (identifier: IdentifierRef) => {
    const key = `${identifier.type}:${identifier.value}`;
    let found = people.get(key);
    if (found === undefined) people.set(key, (found = deps.profiles.byIdentifier(identifier)));
    return found;
  };
  let read = 0;
  const { lastPosition } = await deps.log.stats();
  for (let pages = 0; pages < PAGES && trained.followedTo < lastPosition; pages++) {
    // Only the recommender's events are read (opened): the others are passed over by name.
    const { events: page, next } = await deps.log.readNamed({
      names: [...events],
      after: trained.followedTo,
      upTo: lastPosition,
      chunk: PAGE,
    });
    for (const { message } of page) {
      const items = itemsHad(message, events, deps.suppressed)
        .map((item) => indexOfId(trained.matrix.itemIds, item))
        .filter((item) => item >= 0);
      if (items.length === 0) continue;
      const { userId, anonymousId } = message;
      const profile =
        (userId === null ? undefined : await profileOf({ type: 'userId', value: userId })) ??
        (anonymousId === null
          ? undefined
          : await profileOf({ type: 'anonymousId', value: anonymousId }));
      if (profile !== undefined && refused(profile)) continue;
      const key =
        profile !== undefined
          ? `p:${profile.id}`
          : userId !== null
            ? `u:${userId}`
            : `a:${anonymousId}`;
      const had = trained.recent.get(key) ?? [];
      for (const item of items) {
        const at = had.indexOf(item);
        if (at >= 0) had.splice(at, 1);
        had.push(item);
      }
      trained.recent.set(key, had.slice(-RECENT_PER_PERSON));
      changed?.(key);
    }
    read += next - trained.followedTo;
    trained.followedTo = next;
  }
  return read;
}
