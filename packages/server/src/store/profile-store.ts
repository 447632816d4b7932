import type {
  AggregateState,
  ConflictRecord,
  ConsentState,
  GraphChanges,
  GraphSnapshot,
  ProfileState,
  IdentifierRef,
  MergeRecord,
  RfmPopulation,
  StoredMessage,
  TraitMap,
} from '@tailor/core';
import type { BackfillJobs } from './backfill-jobs.js';
import type { ReviewQueue } from './review-queue.js';

/** A profile as stored: the state the pipeline folds, plus where merged profiles went. */
export interface StoredProfile {
  id: string;
  createdAt: string;
  updatedAt: string;
  traits: TraitMap;
  groups: string[];
  computed: Record<string, unknown>;
  segments: string[];
  /** The states behind computed traits and caps, by key (decide reads exposure counts from them). */
  aggregates: Record<string, AggregateState>;
  consent: ConsentState;
}

export interface MembershipRecord {
  segment: string;
  profileId: string;
  entered: boolean;
  at: string;
  cause: string;
}

/** An event's person as the log has it, for the index of events by identifier. */
export interface EventIdentifiers {
  position: number;
  userId: string | null;
  anonymousId: string | null;
}

/** What a batch of events will look up: its identifiers, groupIds and profiles named by id. */
export interface BatchKeys {
  identifiers: IdentifierRef[];
  groups: string[];
  profiles: string[];
}

/**
 * The profile store's port: the identity graph, profiles with trait provenance, which event belongs
 * to whom, merge history, and each consumer's position in the log, so that folding a batch and
 * moving the position happen in one transaction (exactly once, even with two processes).
 */
export interface ProfileStore {
  /** The last log position a consumer folded (0 before the first). */
  position(consumer: string): Promise<number>;
  /**
   * Loads what `keys` touch, lets `fold` compute the changes, writes them and moves the consumer
   * from `from` to `to`, all in one transaction. Returns false (and writes nothing) when the
   * consumer was no longer at `from`: another process folded those events first.
   * A snapshot's profiles may read their traits, groups, derived state and consent only when the
   * fold first touches them (most events touch only the times); `read` is told of each profile as
   * that happens, before the fold changes anything in it. A profile the fold never read keeps them.
   * `identified` (the batch's events' userId and anonymousId) go to the index of events by
   * identifier in the same transaction, so it covers exactly the events up to the consumer's position.
   */
  foldBatch(
    consumer: string,
    range: { from: number; to: number },
    keys: BatchKeys,
    fold: (snapshot: GraphSnapshot) => GraphChanges,
    read?: (profile: ProfileState) => void,
    identified?: readonly EventIdentifiers[],
  ): Promise<boolean>;
  /**
   * The log positions of events carrying this userId or anonymousId, after `after`, in log order,
   * at most `limit`, from the index the consumer keeps; and how far that index reaches (the
   * consumer's position): later events are not in it yet.
   */
  eventsByIdentifier(
    consumer: string,
    query: { kind: 'userId' | 'anonymousId'; value: string; after: number; limit: number },
  ): Promise<{ positions: number[]; indexedTo: number }>;
  /** A profile by id; a merged id leads to the profile it was merged into. */
  byId(id: string): Promise<StoredProfile | undefined>;
  byIdentifier(identifier: IdentifierRef): Promise<StoredProfile | undefined>;
  identifiers(profileId: string): Promise<IdentifierRef[]>;
  /** Ids of the profiles merged into this one. */
  mergedIds(profileId: string): Promise<string[]>;
  /** Log positions of the person's events (merged profiles' included), in order, cursor-paged. */
  eventPositions(
    profileId: string,
    after: number,
    limit: number,
  ): Promise<{ positions: number[]; next: number | null }>;
  /** Merges into this profile (and into the profiles merged into it), oldest first. */
  merges(profileId: string): Promise<MergeRecord[]>;
  /** Links refused by identity limits, newest first. */
  conflicts(query: { profileId?: string; limit: number }): Promise<ConflictRecord[]>;
  stats(): Promise<{ profiles: number; merged: number; identifiers: number }>;
  /** Profiles that are not merged into another, in creation order, cursor-paged by rank. */
  live(
    after: number,
    limit: number,
  ): Promise<{ profiles: (StoredProfile & { rank: number })[]; next: number | null }>;
  /** Pairs from probabilistic matching waiting for a person's decision. */
  reviews: ReviewQueue;
  /** Re-evaluations of every profile after definitions changed. */
  backfills: BackfillJobs;
  /** Profiles whose derived state changes by time alone at or before `now` (ms). */
  due(now: number, limit: number): Promise<string[]>;
  /** Loads live profiles by id, lets `refresh` change their derived state, writes it (one transaction). */
  refresh(
    ids: readonly string[],
    refresh: (snapshot: GraphSnapshot) => GraphChanges,
  ): Promise<void>;
  /** The quintile cuts of every RFM computed trait scored so far, by definition key. */
  populations(): Promise<Map<string, RfmPopulation>>;
  /**
   * Saves an RFM population's cuts and makes `rescore` due for re-evaluation at `at` (ms), in one
   * transaction, so the time sweep re-scores them with the new cuts.
   */
  savePopulation(
    key: string,
    population: RfmPopulation,
    rescore: readonly string[],
    at: number,
  ): Promise<void>;
  /** Segment entries and exits waiting to be appended to the log, oldest first. */
  outbox(limit: number): Promise<{ seq: number; message: StoredMessage }[]>;
  /** Forgets outbox messages up to `seq` once they are in the log. */
  ackOutbox(upTo: number): Promise<void>;
  members(
    segment: string,
    after: string,
    limit: number,
  ): Promise<{ profiles: string[]; count: number; next: string | null }>;
  /** Segment entries and exits of a person (merged profiles' included), oldest first. */
  history(profileId: string): Promise<MembershipRecord[]>;
  /**
   * Erases a person (the profile and the profiles merged into it) from every table, and moves the
   * consumer past the erasure instruction, in one transaction. Returns what the caller erases
   * elsewhere: the log positions of the person's events, their identifiers and profile ids.
   */
  erase(
    profileId: string,
    consumer: string,
    range: { from: number; to: number },
  ): Promise<{ positions: number[]; identifiers: IdentifierRef[]; profiles: string[] } | undefined>;
  /** Copies the write-ahead log into the database and empties it, so no erased data stays in it. */
  truncateWal(): void;
  /** Keyed hashes of erased people's identifiers: their later messages are dropped. */
  suppressions: {
    list(): Promise<string[]>;
    add(hashes: readonly string[], at: string): Promise<void>;
    remove(hashes: readonly string[]): Promise<void>;
  };
  close(): Promise<void>;
}
