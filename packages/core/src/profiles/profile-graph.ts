import type { IdentifierRef, IdentityConflict } from '../identity/identity.schema.js';
import type { IdentityGraphView } from '../identity/resolve-identity.js';
import type { DerivedState } from '../segments/update-derived.js';
import type { ConsentState } from '../privacy/consent.schema.js';
import type { MergeRecord, TraitMap } from './profiles.schema.js';

/** A profile as the pipeline folds it: what resolution and the trait policy need. */
export interface ProfileState {
  id: string;
  /** Creation order (the log position of the event that created it): the oldest survives a merge. */
  rank: number;
  createdAt: string;
  updatedAt: string;
  /** Identifiers held, by type. */
  counts: Map<string, number>;
  traits: TraitMap;
  groups: string[];
  /** Aggregate and sequence states, computed trait values and segment memberships. */
  derived: DerivedState;
  /** Consent per purpose, with its history. */
  consent: ConsentState;
}

/** A segment entry or exit, to record in the membership history and announce in the log. */
export interface MembershipChange {
  profileId: string;
  segment: string;
  entered: boolean;
  /** When it was decided (ISO 8601). */
  at: string;
  /** Why: the message that caused it, `time` for a window sliding, `merge` for a merged-away profile. */
  cause: string;
}

/**
 * A computed trait that announces its changes (a journey stage) took another value: the store
 * announces it in the log beside the segment entries (`announcementOf`).
 */
export interface AnnouncedChange {
  profileId: string;
  /** The event announcing it (`Journey Stage Changed`). */
  event: string;
  trait: string;
  from: unknown;
  to: unknown;
  /** When it was decided (ISO 8601). */
  at: string;
  /** Why: the message that caused it, `time`, `backfill` or `model`. */
  cause: string;
}

/** The part of the stored graph a batch of events touches, loaded by the store before folding. */
export interface GraphSnapshot {
  /** `type\0value` → surviving profile id, for the identifiers the batch carries. */
  identities: Map<string, string>;
  /** The profiles those identifiers (and the batch's merges) lead to. */
  profiles: Map<string, ProfileState>;
  /** Group traits, for the groupIds the batch carries. */
  groups: Map<string, TraitMap>;
  /** Merged profiles the batch names by id (merge instructions) → the profile they are part of. */
  merged: Map<string, string>;
}

export interface ConflictRecord extends IdentityConflict {
  messageId: string;
  at: string;
}

/** What folding a batch changed, for the store to write in one transaction. */
export interface GraphChanges {
  created: ProfileState[];
  attached: (IdentifierRef & { profileId: string })[];
  merges: MergeRecord[];
  /** Profiles whose traits, counts, groups or times changed (created ones included). */
  touched: Map<string, ProfileState>;
  /** Log position → profile, for every event folded. */
  assignments: { position: number; profileId: string }[];
  conflicts: ConflictRecord[];
  groups: Map<string, TraitMap>;
  memberships: MembershipChange[];
  /** Changes of the computed traits that announce theirs (journey stages), in order. */
  announced: AnnouncedChange[];
  /** Profile → when its derived state next changes by time alone (null: never). */
  timers: Map<string, number | null>;
}

export function identityKey(identifier: IdentifierRef): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

/**
 * The identity graph during a fold: the snapshot plus this batch's changes, readable as one
 * graph so that each event sees the effects of the events before it.
 */
export class ProfileGraph implements IdentityGraphView {
  readonly changes: GraphChanges = {
    created: [],
    attached: [],
    merges: [],
    touched: new Map(),
    assignments: [],
    conflicts: [],
    groups: new Map(),
    memberships: [],
    announced: [],
    timers: new Map(),
  };
  private readonly redirects = new Map<string, string>();

  constructor(private readonly snapshot: GraphSnapshot) {
    for (const [from, into] of snapshot.merged) this.redirects.set(from, into);
  }

  /** The surviving profile for an id, or undefined when no such profile is known. */
  find(profileId: string): ProfileState | undefined {
    return this.snapshot.profiles.get(this.survivorOf(profileId));
  }

  profileOf(identifier: IdentifierRef): string | undefined {
    const id = this.snapshot.identities.get(identityKey(identifier));
    return id === undefined ? undefined : this.survivorOf(id);
  }

  countsOf(profileId: string): ReadonlyMap<string, number> {
    return this.profile(profileId).counts;
  }

  ageRank(profileId: string): number {
    return this.profile(profileId).rank;
  }

  profile(profileId: string): ProfileState {
    const profile = this.snapshot.profiles.get(this.survivorOf(profileId));
    if (profile === undefined) throw new Error(`profile ${profileId} is not in the snapshot`);
    return profile;
  }

  group(groupId: string): TraitMap {
    let traits = this.snapshot.groups.get(groupId);
    if (traits === undefined) {
      traits = {};
      this.snapshot.groups.set(groupId, traits);
    }
    this.changes.groups.set(groupId, traits);
    return traits;
  }

  create(profile: ProfileState): void {
    this.snapshot.profiles.set(profile.id, profile);
    this.changes.created.push(profile);
    this.changes.touched.set(profile.id, profile);
  }

  attach(identifier: IdentifierRef, profileId: string): void {
    this.snapshot.identities.set(identityKey(identifier), profileId);
    const profile = this.profile(profileId);
    profile.counts.set(identifier.type, (profile.counts.get(identifier.type) ?? 0) + 1);
    this.changes.attached.push({ ...identifier, profileId });
    this.touch(profile);
  }

  /** Records that `from` is now part of `into`; the caller merges the traits. */
  redirect(from: string, into: string): void {
    this.redirects.set(from, into);
    this.changes.touched.delete(from);
  }

  touch(profile: ProfileState): void {
    this.changes.touched.set(profile.id, profile);
  }

  private survivorOf(profileId: string): string {
    let id = profileId;
    for (let next = this.redirects.get(id); next !== undefined; next = this.redirects.get(id))
      id = next;
    return id;
  }
}
