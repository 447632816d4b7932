import type { ErasureOwner } from '../privacy/erasure-coordinator.js';
import type { SqliteJourneyStore } from './journey-store.js';

/**
 * The journeys as an owner of data about people (for the ErasureCoordinator's list in
 * open-tailor.ts): an erased person leaves every journey, under their profile id and every
 * identifier they were entered by (a userId or anonymousId), and their email records go.
 */
export function journeyErasureOwner(store: SqliteJourneyStore): ErasureOwner {
  return {
    name: 'journey places',
    erase: ({ profileId, profiles, identifiers }) => {
      for (const person of new Set([profileId, ...profiles, ...identifiers.map((i) => i.value)]))
        store.erasePerson(person);
      return Promise.resolve();
    },
  };
}
