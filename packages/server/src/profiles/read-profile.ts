import { consentValues, traitValues, type Profile, type Provenance } from '@tailor/core';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';

export interface ReadOptions {
  provenance?: boolean;
  /** Each model score with its contributions (`?explain=true`). */
  explain?: boolean;
  /** Segments that exist now: memberships of deleted ones are not shown. */
  segments?: ReadonlySet<string>;
}

/** How a request or message names a person. */
export interface PersonNamed {
  profileId?: string | null | undefined;
  userId?: string | null | undefined;
  anonymousId?: string | null | undefined;
}

/** The profile a request or message names: by profile id, else userId, else anonymousId. */
export async function profileNamed(
  store: Pick<ProfileReader, 'byId' | 'byIdentifier'>,
  who: PersonNamed,
): Promise<StoredProfile | undefined> {
  if (typeof who.profileId === 'string') return store.byId(who.profileId);
  if (typeof who.userId === 'string')
    return store.byIdentifier({ type: 'userId', value: who.userId });
  if (typeof who.anonymousId === 'string')
    return store.byIdentifier({ type: 'anonymousId', value: who.anonymousId });
  return undefined;
}

/** The API's view of a stored profile (the same JSON for HTTP, `tailor profile` and exports). */
export async function presentProfile(
  store: ProfileReader,
  stored: StoredProfile | undefined,
  options: ReadOptions,
): Promise<Profile | undefined> {
  if (stored === undefined) return undefined;
  const [identifiers, mergedIds] = await Promise.all([
    store.identifiers(stored.id),
    store.mergedIds(stored.id),
  ]);
  const profile: Profile = {
    id: stored.id,
    identifiers,
    traits: traitValues(stored.traits),
    computed: stored.computed,
    segments:
      options.segments === undefined
        ? stored.segments
        : stored.segments.filter((s) => options.segments?.has(s)),
    consent: consentValues(stored.consent),
    groups: stored.groups,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    mergedIds,
    scores: presentScores(stored.scores, options.explain === true),
  };
  if (options.provenance === true) {
    const provenance: Record<string, Provenance> = {};
    for (const [name, { source, messageId, timestamp }] of Object.entries(stored.traits)) {
      provenance[name] = { source, messageId, timestamp };
    }
    profile.provenance = provenance;
  }
  return profile;
}

/** Scores as read: score, version and time; their explanations only when asked for. */
function presentScores(
  scores: StoredProfile['scores'],
  explain: boolean,
): NonNullable<Profile['scores']> {
  if (explain) return scores;
  const out: NonNullable<Profile['scores']> = {};
  for (const [name, { score, version, scoredAt }] of Object.entries(scores))
    out[name] = { score, version, scoredAt };
  return out;
}
