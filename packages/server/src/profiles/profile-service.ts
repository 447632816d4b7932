import { randomUUID } from 'node:crypto';
import {
  formatTimestamp,
  normalizePhone,
  parseIdentifier,
  TailorError,
  type ConflictRecord,
  type CountryCode,
  type IdentifierRef,
  type MergeRecord,
  type Profile,
  type StoredMessage,
} from '@tailor/core';
import type { EventLog, IdentifierQuery } from '../log/event-log.js';
import type {
  MembershipRecord,
  MembershipStore,
  ProfileReader,
  StoredProfile,
} from '../store/profile-store.js';
import { eventsOfIdentifier } from './events-of-identifier.js';
import { latestEvents, type LatestPage, type LatestQuery } from './latest-events.js';
import { presentProfile, type ReadOptions } from './read-profile.js';

export interface ProfileServiceDeps {
  profiles: ProfileReader & Pick<MembershipStore, 'history'>;
  log: EventLog;
  /** The pipelines' consumers, which keep the index of events by identifier. */
  indexingConsumers: readonly string[];
  /** Segments that exist now: memberships of deleted ones are not shown. */
  segmentNames: () => ReadonlySet<string>;
  /** The region of phone numbers written without a country code. */
  defaultRegion: string;
  /** The consent purposes this installation knows. */
  purposes: readonly string[];
  /** The identifier types this installation resolves (identity.identifiers in the config). */
  identifierTypes: readonly string[];
  now: () => number;
  /** Tells the background that the log has something new to fold. */
  wake: () => void;
  /** Whether a message names a suppressed (erased) person: never shown, though still in the log. */
  suppressed: (message: StoredMessage) => boolean;
}

/** A page of a person's events, in log order; `next` is the position to read after, null on the last page. */
export interface EventPage {
  events: StoredMessage[];
  next: number | null;
}

/**
 * What the profile and event routes, `tailor profile` and a data subject's export ask of profiles:
 * a person by identifier or id, their events, merges, memberships and identity conflicts, and
 * consent recorded on their behalf. Requests naming nobody are `undefined`; malformed ones throw
 * `invalid_request`. Views (masking for the reader) are the caller's.
 */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  /** The profile holding `TYPE:VALUE`. */
  async find(
    identifier: string,
    provenance = false,
    explain = false,
  ): Promise<Profile | undefined> {
    const stored = await this.deps.profiles.byIdentifier(this.parse(identifier));
    return presentProfile(this.deps.profiles, stored, this.readOptions(provenance, explain));
  }

  /**
   * A profile by id; a merged id answers with the profile it was merged into. `explain`: each
   * model score with its contributions.
   */
  async read(id: string, provenance = false, explain = false): Promise<Profile | undefined> {
    const stored = await this.deps.profiles.byId(id);
    return presentProfile(this.deps.profiles, stored, this.readOptions(provenance, explain));
  }

  /** The stored profile holding `TYPE:VALUE`, for a data subject request: 404 when nobody holds it. */
  async holder(identifier: string): Promise<StoredProfile> {
    const stored = await this.deps.profiles.byIdentifier(this.parse(identifier));
    if (stored === undefined) throw this.notHeld(identifier);
    return stored;
  }

  /** The 404 for an identifier nobody holds; a type this installation does not have is named as such. */
  notHeld(identifier: string): TailorError {
    return new TailorError('not_found', notHeldMessage(identifier, this.deps.identifierTypes));
  }

  /** The person's events, merged profiles' included, after a position. */
  async events(id: string, after: number, limit: number): Promise<EventPage | undefined> {
    const stored = await this.deps.profiles.byId(id);
    if (stored === undefined) return undefined;
    const page = await this.deps.profiles.eventPositions(stored.id, after, limit);
    const events = await this.deps.log.readPositions(page.positions);
    return { events: events.map((e) => e.message), next: page.next };
  }

  /** Every event of the person, page by page (an export). */
  async allEvents(id: string): Promise<StoredMessage[]> {
    const all: StoredMessage[] = [];
    for (let after = 0; ;) {
      const page = await this.events(id, after, 1000);
      if (page === undefined) return all;
      all.push(...page.events);
      if (page.next === null) return all;
      after = page.next;
    }
  }

  /**
   * The events of one userId or anonymousId, whether or not a profile holds it yet; a suppressed
   * person's left out from the moment their erasure is asked (as in the whole log's read).
   */
  async eventsOf(query: IdentifierQuery): Promise<EventPage> {
    const { log, profiles, indexingConsumers, suppressed } = this.deps;
    const page = await eventsOfIdentifier(log, profiles, indexingConsumers, query);
    return {
      events: page.events.flatMap((e) => (suppressed(e.message) ? [] : [e.message])),
      next: page.next,
    };
  }

  /** The newest events of the whole log first, filtered, a suppressed person's left out. */
  latestEvents(query: LatestQuery): Promise<LatestPage> {
    return latestEvents(this.deps.log, this.deps.suppressed, query);
  }

  /** Which profiles were merged into this one, and the links refused on its account. */
  async merges(
    id: string,
  ): Promise<{ merges: MergeRecord[]; conflicts: ConflictRecord[] } | undefined> {
    const stored = await this.deps.profiles.byId(id);
    if (stored === undefined) return undefined;
    const [merges, conflicts] = await Promise.all([
      this.deps.profiles.merges(stored.id),
      this.deps.profiles.conflicts({ profileId: stored.id, limit: 1000 }),
    ]);
    return { merges, conflicts };
  }

  /** Segment entries and exits of the person, oldest first. */
  async memberships(id: string): Promise<MembershipRecord[] | undefined> {
    const stored = await this.deps.profiles.byId(id);
    return stored && this.deps.profiles.history(stored.id);
  }

  /** Links refused because they would have broken an identifier limit, newest first. */
  async conflicts(limit: number): Promise<ConflictRecord[]> {
    return this.deps.profiles.conflicts({ limit });
  }

  /**
   * Records a person's consent answers as a `Consent Updated` event (the log stays the one source
   * of the profile): under their userId, else their anonymousId.
   */
  async recordConsent(
    id: string,
    purposes: Readonly<Record<string, boolean>>,
    source: string,
  ): Promise<{ profileId: string; messageId: string } | undefined> {
    const known = this.deps.purposes;
    const unknown = Object.keys(purposes).filter((p) => !known.includes(p));
    if (unknown.length > 0)
      throw new TailorError(
        'invalid_request',
        `unknown purpose ${unknown.join(', ')}: known are ${known.join(', ')}`,
      );
    if (Object.keys(purposes).length === 0)
      throw new TailorError('invalid_request', 'purposes must name at least one purpose');
    const profile = await this.deps.profiles.byId(id);
    if (profile === undefined) return undefined;
    const identifiers = await this.deps.profiles.identifiers(profile.id);
    const userId = identifiers.find((i) => i.type === 'userId')?.value ?? null;
    const anonymousId =
      userId === null ? (identifiers.find((i) => i.type === 'anonymousId')?.value ?? null) : null;
    if (userId === null && anonymousId === null)
      throw new TailorError(
        'conflict',
        `profile ${profile.id} has no userId or anonymousId to record consent under`,
      );
    const now = formatTimestamp(this.deps.now());
    const messageId = `consent:${randomUUID()}`;
    await this.deps.log.append([
      {
        type: 'track',
        event: 'Consent Updated',
        messageId,
        userId,
        anonymousId,
        timestamp: now,
        receivedAt: now,
        properties: {},
        context: { consent: { categoryPreferences: { ...purposes } } },
        tailor: { source },
      },
    ]);
    this.deps.wake();
    return { profileId: profile.id, messageId };
  }

  /** `TYPE:VALUE` as an identifier (phone numbers in E.164); malformed is a 400. */
  parse(identifier: string): IdentifierRef {
    const parsed = parseIdentifier(identifier, (v) =>
      normalizePhone(v, this.deps.defaultRegion as CountryCode),
    );
    if (!parsed.ok) throw new TailorError('invalid_request', parsed.error);
    return parsed.value;
  }

  private readOptions(provenance: boolean, explain = false): ReadOptions {
    return { provenance, explain, segments: this.deps.segmentNames() };
  }
}

/** The identifier types, as a reader who mistyped one is told them. */
export function identifierTypesAre(types: readonly string[]): string {
  return `the identifier types are ${types.join(', ')} (identity.identifiers in the config)`;
}

/** Why nothing holds `TYPE:VALUE`: a type the installation does not have (a typo, as often as not) is named. */
export function notHeldMessage(identifier: string, types: readonly string[]): string {
  const type = identifier.slice(0, identifier.indexOf(':')).trim();
  if (!types.includes(type))
    return `no profile holds ${identifier}: ${type} is not an identifier type here; ${identifierTypesAre(types)}`;
  return `no profile holds ${identifier}`;
}
