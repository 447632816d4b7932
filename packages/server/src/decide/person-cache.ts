import { LRUCache } from 'lru-cache';
import {
  consentValues,
  traitValues,
  type AggregateState,
  type IdentifierRef,
  type ModelScore,
} from '@tailor/core';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';

/** What decide reads about a person. */
export interface Person {
  profileId: string;
  traits: Record<string, unknown>;
  computed: Record<string, unknown>;
  /** Model scores by model name (`model.churn.score` in rules). */
  scores?: Record<string, ModelScore>;
  segments: string[];
  aggregates: Record<string, AggregateState>;
  /** Consent per purpose, as answered so far. */
  consent: Record<string, boolean>;
}

/**
 * The profiles in use, in memory, so a decision reads no disk once a person has been seen:
 * looked up by identifier, loaded from the profile store on a miss (an unknown person is cached
 * too), least recently used dropped first. The pipeline reports every profile and identifier it
 * changes and those entries are dropped, so the next decision reads the new state.
 * A load that a change to its person overtakes is not kept: the store may have answered from
 * before the change (its read began before the fold committed) while the news of the change
 * arrived first, and keeping that answer would hold the old state until the entry ages out.
 */
export class PersonCache {
  private readonly people: LRUCache<string, Person | 'unknown'>;
  /** Profile id → the identifier keys cached for it, to drop them all when the profile changes. */
  private readonly keysOf = new Map<string, Set<string>>();
  /** Loads under way, each with what was invalidated while it ran. */
  private readonly loading = new Set<Overtaken>();
  /** Told of the profiles dropped (undefined: all of them). */
  private readonly dropped: ((profileIds: readonly string[] | undefined) => void)[] = [];

  constructor(
    private readonly profiles: Pick<ProfileReader, 'byIdentifier'>,
    max: number,
  ) {
    this.people = new LRUCache({
      max,
      dispose: (person, key) => {
        if (person === 'unknown') return;
        const keys = this.keysOf.get(person.profileId);
        keys?.delete(key);
        if (keys?.size === 0) this.keysOf.delete(person.profileId);
      },
    });
  }

  get size(): number {
    return this.people.size;
  }

  /** The cached entry: the person, 'unknown' for someone known not to exist, undefined when not cached. */
  cached(identifier: IdentifierRef): Person | 'unknown' | undefined {
    return this.people.get(keyOf(identifier));
  }

  async get(identifier: IdentifierRef): Promise<Person | undefined> {
    const key = keyOf(identifier);
    const cached = this.people.get(key);
    if (cached !== undefined) return cached === 'unknown' ? undefined : cached;
    const overtaken: Overtaken = { all: false, profiles: new Set(), keys: new Set() };
    this.loading.add(overtaken);
    let stored: StoredProfile | undefined;
    try {
      stored = await this.profiles.byIdentifier(identifier);
    } finally {
      this.loading.delete(overtaken);
    }
    const person: Person | 'unknown' = stored === undefined ? 'unknown' : personOf(stored);
    if (
      overtaken.all ||
      overtaken.keys.has(key) ||
      (stored !== undefined && overtaken.profiles.has(stored.id))
    )
      return person === 'unknown' ? undefined : person;
    this.people.set(key, person);
    if (person !== 'unknown') {
      let keys = this.keysOf.get(person.profileId);
      if (keys === undefined) this.keysOf.set(person.profileId, (keys = new Set()));
      keys.add(key);
    }
    return person === 'unknown' ? undefined : person;
  }

  /** Calls `listener` with the profiles dropped from now on (undefined when all are). */
  onDropped(listener: (profileIds: readonly string[] | undefined) => void): void {
    this.dropped.push(listener);
  }

  /** Drops what the pipeline changed: these profiles (every identifier cached for them) and identifiers. */
  invalidate(profileIds: Iterable<string>, identifiers: Iterable<IdentifierRef>): void {
    const ids = [...profileIds];
    if (ids.length > 0) for (const listener of this.dropped) listener(ids);
    const keys = [...identifiers].map(keyOf);
    for (const overtaken of this.loading) {
      for (const id of ids) overtaken.profiles.add(id);
      for (const key of keys) overtaken.keys.add(key);
    }
    for (const id of ids) {
      for (const key of [...(this.keysOf.get(id) ?? [])]) this.people.delete(key);
      this.keysOf.delete(id);
    }
    for (const key of keys) this.people.delete(key);
  }

  clear(): void {
    for (const overtaken of this.loading) overtaken.all = true;
    for (const listener of this.dropped) listener(undefined);
    this.people.clear();
    this.keysOf.clear();
  }
}

/** What was invalidated while a load ran: everything, these profiles, these identifier keys. */
interface Overtaken {
  all: boolean;
  profiles: Set<string>;
  keys: Set<string>;
}

/** A stored profile as decide reads it. */
export function personOf(stored: StoredProfile): Person {
  return {
    profileId: stored.id,
    traits: traitValues(stored.traits),
    computed: stored.computed,
    scores: stored.scores,
    segments: stored.segments,
    aggregates: stored.aggregates,
    consent: consentValues(stored.consent),
  };
}

function keyOf(identifier: IdentifierRef): string {
  return `${identifier.type}\u0000${identifier.value}`;
}
