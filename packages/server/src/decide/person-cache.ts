import { LRUCache } from 'lru-cache';
import {
  consentValues,
  traitValues,
  type AggregateState,
  type IdentifierRef,
  type ModelScore,
} from '@tailor/core';
import type { ProfileReader, StoredProfile } from '../store/profile-store.js';

/**
 * An identifier as other nodes are told of it: its type and blind index (the keyed digest the log
 * stores; the value itself when the installation does not encrypt, as its events are then in clear).
 */
export interface BlindedIdentifier {
  type: string;
  blind: string;
}

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
 * Given `blind`, it also drops people by their identifiers' blind indexes (`invalidateBlinded`),
 * as other nodes announce them: identifier values never cross NATS in clear.
 */
export class PersonCache {
  private readonly people: LRUCache<string, Person | 'unknown'>;
  /** Profile id → the identifier keys cached for it, to drop them all when the profile changes. */
  private readonly keysOf = new Map<string, Set<string>>();
  /** With `blind`: each cached identifier key's blinded key, and back. */
  private readonly blindedOf = new Map<string, string>();
  private readonly keyOfBlinded = new Map<string, string>();
  /** Loads under way, each with what was invalidated while it ran. */
  private readonly loading = new Set<Overtaken>();
  /** Told of the profiles dropped (undefined: all of them). */
  private readonly dropped: ((profileIds: readonly string[] | undefined) => void)[] = [];

  constructor(
    private readonly profiles: Pick<ProfileReader, 'byIdentifier'>,
    max: number,
    private readonly blind?: (type: string, value: string) => string,
  ) {
    this.people = new LRUCache({
      max,
      dispose: (person, key) => {
        const blinded = this.blindedOf.get(key);
        if (blinded !== undefined) {
          this.blindedOf.delete(key);
          this.keyOfBlinded.delete(blinded);
        }
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
    const overtaken: Overtaken = {
      all: false,
      profiles: new Set(),
      keys: new Set(),
      blinded: new Set(),
    };
    this.loading.add(overtaken);
    let stored: StoredProfile | undefined;
    try {
      stored = await this.profiles.byIdentifier(identifier);
    } finally {
      this.loading.delete(overtaken);
    }
    const person: Person | 'unknown' = stored === undefined ? 'unknown' : personOf(stored);
    const blinded =
      this.blind === undefined
        ? undefined
        : blindedKeyOf({
            type: identifier.type,
            blind: this.blind(identifier.type, identifier.value),
          });
    if (
      overtaken.all ||
      overtaken.keys.has(key) ||
      (blinded !== undefined && overtaken.blinded.has(blinded)) ||
      (stored !== undefined && overtaken.profiles.has(stored.id))
    )
      return person === 'unknown' ? undefined : person;
    this.people.set(key, person);
    if (blinded !== undefined) {
      this.blindedOf.set(key, blinded);
      this.keyOfBlinded.set(blinded, key);
    }
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
    const keys = [...identifiers].map(keyOf);
    for (const overtaken of this.loading) for (const key of keys) overtaken.keys.add(key);
    this.drop([...profileIds], keys);
  }

  /** As `invalidate`, for what another node changed: its identifiers by blind index. */
  invalidateBlinded(profileIds: Iterable<string>, identifiers: Iterable<BlindedIdentifier>): void {
    if (this.blind === undefined) throw new Error('this cache was opened without blind indexes');
    const blinded = [...identifiers].map(blindedKeyOf);
    for (const overtaken of this.loading) for (const b of blinded) overtaken.blinded.add(b);
    const keys: string[] = [];
    for (const b of blinded) {
      const key = this.keyOfBlinded.get(b);
      if (key !== undefined) keys.push(key);
    }
    this.drop([...profileIds], keys);
  }

  private drop(ids: string[], keys: string[]): void {
    if (ids.length > 0) for (const listener of this.dropped) listener(ids);
    for (const overtaken of this.loading) for (const id of ids) overtaken.profiles.add(id);
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
    this.blindedOf.clear();
    this.keyOfBlinded.clear();
  }
}

/** What was invalidated while a load ran: everything, these profiles, these identifier keys (or blinded keys). */
interface Overtaken {
  all: boolean;
  profiles: Set<string>;
  keys: Set<string>;
  blinded: Set<string>;
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

function blindedKeyOf(identifier: BlindedIdentifier): string {
  return `${identifier.type}\u0000${identifier.blind}`;
}
