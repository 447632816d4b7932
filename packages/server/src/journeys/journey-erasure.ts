import type { ErasureOwner } from '../privacy/erasure-coordinator.js';
import type { JourneyStore } from './journey-store.js';

/**
 * The journeys as an owner of data about people (for the ErasureCoordinator's list in
 * open-tailor.ts): an erased person leaves every journey, under their profile id and every
 * identifier they were entered by (a userId or anonymousId), and their email records go.
 */
export function journeyErasureOwner(store: JourneyStore): ErasureOwner {
  return {
    name: 'journey places',
    erase: async ({ profileId, profiles, identifiers }) => {
      for (const person of new Set([profileId, ...profiles, ...identifiers.map((i) => i.value)]))
        await store.erasePerson(person);
    },
  };
}
