import type { Profile } from '@tailor/core';
import type { ApiGet } from '../api/api-client.js';
import { identifierCandidates } from './identifier-candidates.js';

export type Found =
  /** `identifier`: the `TYPE:VALUE` that found them, when an identifier did (not a profile id). */
  | { kind: 'found'; profile: Profile; identifier?: string }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string };

/** Tries each place the query may name a person, in order, until one answers with a profile. */
export async function findProfile(get: ApiGet, query: string, signal: AbortSignal): Promise<Found> {
  for (const candidate of identifierCandidates(query)) {
    // explain=true: each model score comes with its largest contributions; provenance=true: each
    // trait with its source and time.
    const path =
      candidate.kind === 'id'
        ? `/v1/profiles/${encodeURIComponent(candidate.id)}?explain=true&provenance=true`
        : `/v1/profiles?identifier=${encodeURIComponent(candidate.identifier)}&explain=true&provenance=true`;
    const answer = await get<Profile>(path, signal);
    if (answer.ok) {
      return candidate.kind === 'id'
        ? { kind: 'found', profile: answer.value }
        : { kind: 'found', profile: answer.value, identifier: candidate.identifier };
    }
    // 400: not an identifier this server knows (an unknown TYPE); try the next reading.
    if (answer.status !== 404 && answer.status !== 400) {
      return { kind: 'error', message: answer.message };
    }
  }
  return { kind: 'not-found' };
}
