import type {
  AggregateState,
  ConflictRecord,
  ConsentState,
  GraphChanges,
  GraphSnapshot,
  ProfileState,
  IdentifierRef,
  MergeRecord,
  ModelScore,
  TraitPopulation,
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
  /** Registry models' scores by model name (docs/models.md). */
  scores: Record<string, ModelScore>;
  consent: ConsentState;
}

/** What a scan of the population reads of a live profile: what features and consent come from. */
export type ProfileFeatures = Pick<
  StoredProfile,
  'id' | 'traits' | 'computed' | 'scores' | 'consent'
>;

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
/** An erasure done in the profile store, with what the log, deliveries and counts still hold. */
export interface PendingErasure {
  requestId: string;
  profileId: string;
  requestedBy: string;
  /** When the profile store's part was done (ms). */
  at: number;
  positions: number[];
  identifiers: IdentifierRef[];
  profiles: string[];
}

/** One batch for `ProfileStore.foldBatch`. */
export interface FoldBatch {
  /**
   * The consumers it moves, each from `from` (where it must be) to `to`: one, or one per partition
   * when a node folds the partitions it holds together.
   */
  moves: readonly { consumer: string; from: number; to: number }[];
  keys: BatchKeys;
  fold: (snapshot: GraphSnapshot) => GraphChanges;
  /**
   * A snapshot's profiles may read their traits, groups, derived state and consent only when the
   * fold first touches them (most events touch only the times); `read` is told of each profile as
   * that happens, before the fold changes anything in it. A profile the fold never read keeps them.
   */
  read?: ((profile: ProfileState) => void) | undefined;
  /**
   * The batch's events' userId and anonymousId, for the index of events by identifier, written in
   * the same transaction, so it covers exactly the events up to the consumer's position.
   */
  identified?: readonly EventIdentifiers[];
  /** The definitions generation the fold's plan was read at (see `ProfileStore.definitions`). */
  definitions?: number;
}

export type FoldOutcome = 'folded' | 'moved' | 'stale';

/**
 * Folding: where each consumer is, the fold transaction, the definitions generation it runs
 * under, and the time sweep's re-evaluations. The pipeline's port.
 */
export interface FoldStore {
  /** The last log position a consumer folded (0 before the first). */
  position(consumer: string): Promise<number>;
  /**
   * Loads what `batch.keys` touch, lets `batch.fold` compute the changes, writes them and moves the
   * consumers, all in one transaction. Writes nothing and returns 'moved' when a consumer was no
   * longer at its `from` (another process folded those events first),
   * or 'stale' when `batch.definitions` is given and the definitions generation is no longer it
   * (read the definitions again and fold with them).
   */
  foldBatch(batch: FoldBatch): Promise<FoldOutcome>;
  /**
   * The generation of the definitions a fold evaluates (segments, computed traits, placement caps).
   * `changed` moves it on after a change was saved, and waits for the folds running under the
   * previous one to commit: a fold either commits before it (and a backfill started after it sees
   * that fold's profiles) or is refused as 'stale' and folds again under the new definitions.
   */
  definitions: {
    generation(): Promise<number>;
    changed(): Promise<number>;
  };
  /** Profiles whose derived state changes by time alone at or before `now` (ms). */
  due(now: number, limit: number): Promise<string[]>;
  /**
   * Loads live profiles by id, lets `refresh` change their derived state, writes it (one
   * transaction). With `lastEvents` (each profile's last event position, merged profiles' included,
   * as the caller read them to rebuild it), a profile whose events have moved on since (a fold on
   * another node) is left out and its id returned: read its events again and rebuild it then.
   */
  refresh(
    ids: readonly string[],
    refresh: (snapshot: GraphSnapshot) => GraphChanges,
    lastEvents?: ReadonlyMap<string, number>,
  ): Promise<string[]>;
}

/** Reading people: profiles, their identifiers, merges, conflicts and events. */
export interface ProfileReader {
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
  /**
   * The log positions of events carrying this userId or anonymousId, after `after`, in log order,
   * at most `limit`, from the index the consumers keep as they fold; and how far each consumer's
   * share of it reaches (its position, in the order given): its later events are not in it yet.
   */
  eventsByIdentifier(
    consumers: readonly string[],
    query: { kind: 'userId' | 'anonymousId'; value: string; after: number; limit: number },
  ): Promise<{ positions: number[]; indexedTo: number[] }>;
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
  /**
   * A uniform random sample of at most `size` live profiles' ids, in random order (any prefix is a
   * uniform sample too), and how many live profiles there are. Reads ids only (a segment's size
   * estimate, docs/segments.md).
   */
  sampleLive(size: number): Promise<{ ids: string[]; total: number }>;
  /**
   * Live profiles for a scan of the whole population (a clustering's training), in id order,
   * paged by id (`after` '' for the first page): only their traits, computed traits, scores and
   * consent, read in the table's own order. Much cheaper per profile than `live`, whose creation
   * order costs a lookup of each row through an index (bench/RESULTS.md).
   */
  scanFeatures(
    after: string,
    limit: number,
  ): Promise<{ profiles: ProfileFeatures[]; next: string | null }>;
}

/** Segment memberships, their history, and the entries and exits waiting to be announced. */
export interface MembershipStore {
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
}

/** One count of a segment's members: a number and a time, never who they were. */
export interface SegmentSizeSample {
  segment: string;
  /** When it was counted (ISO 8601, UTC). */
  at: string;
  size: number;
  /** The segment's definition version it was counted under. */
  version: number;
}

/**
 * Segment sizes over time (docs/segments.md, "Size over time"): counts taken by the upkeep (each
 * clock hour, and once a changed definition's backfill is done), kept as numbers only, so an
 * erasure has nothing to remove from them.
 */
export interface SegmentSizes {
  /**
   * Counts each segment's members now and records the counts at `at` (ms), in one transaction. A
   * segment already counted under the same version in the same clock hour is left as it is (a
   * second node that held the upkeep a moment records nothing twice). Returns those recorded.
   */
  record(
    segments: readonly { name: string; version: number }[],
    at: number,
  ): Promise<SegmentSizeSample[]>;
  /** A segment's samples counted in [from, to] (ms), oldest first; the latest `limit` of them. */
  between(segment: string, from: number, to: number, limit: number): Promise<SegmentSizeSample[]>;
  /** Each segment's latest sample. */
  latest(): Promise<SegmentSizeSample[]>;
  /** Forgets a deleted segment's samples (a new segment of that name starts afresh). */
  forget(segment: string): Promise<void>;
}

/** The quintile cuts RFM computed traits score against. */
export interface PopulationStore {
  /** The quintile cuts of every RFM computed trait scored so far, by definition key. */
  populations(): Promise<Map<string, TraitPopulation>>;
  /**
   * Saves an RFM population's cuts and makes `rescore` due for re-evaluation at `at` (ms), in one
   * transaction, so the time sweep re-scores them with the new cuts.
   */
  savePopulation(
    key: string,
    population: TraitPopulation,
    rescore: readonly string[],
    at: number,
  ): Promise<void>;
}

/**
 * Erasing a person from the profile database. The tables other stores own there (the review
 * queue's pairs, memberships and their announcements) are erased by their owners' functions
 * inside the same transaction (one unit of work): see `eraseSqliteReviews`,
 * `eraseSqliteMemberships` and their PostgreSQL twins.
 */
export interface ProfileErasure {
  /**
   * Erases a person (the profile and the profiles merged into it) from every table, moves the
   * consumer past the erasure instruction, and records what the other owners must erase (the log
   * positions of the person's events, their identifiers and profile ids) as a pending erasure, all
   * in one transaction; returns that record (undefined when another process moved the consumer).
   */
  erase(
    profileId: string,
    consumer: string,
    range: { from: number; to: number },
    request: { requestId: string; requestedBy: string; at: number },
  ): Promise<PendingErasure | undefined>;
  /**
   * Erasures whose part here is done and whose other owners' part may not be (the process may
   * have stopped between the two): sealed, until `done`.
   */
  erasures: ErasureRecords;
}

export interface ErasureRecords {
  /** Those recorded before `before` (ms), oldest first. */
  pending(before: number, limit: number): Promise<PendingErasure[]>;
  /** Forgets the record; an embedded store also empties its write-ahead log, so no erased data stays there. */
  done(requestId: string): Promise<void>;
}

/** Keyed hashes of erased people's identifiers: their later messages are dropped. */
export interface SuppressionList {
  list(): Promise<string[]>;
  add(hashes: readonly string[], at: string): Promise<void>;
  remove(hashes: readonly string[]): Promise<void>;
}

/**
 * The profile database: one adapter per backend implements every port above over one database,
 * so a fold writes profiles, memberships and timers in one transaction. Code that uses it names
 * the port it needs (`ProfileReader`, `FoldStore`, ...), not the whole store.
 */
export interface ProfileStore
  extends FoldStore, ProfileReader, MembershipStore, PopulationStore, ProfileErasure {
  /** Pairs from probabilistic matching waiting for a person's decision. */
  reviews: ReviewQueue;
  /** Re-evaluations of every profile after definitions changed. */
  backfills: BackfillJobs;
  /** Segment sizes over time. */
  segmentSizes: SegmentSizes;
  suppressions: SuppressionList;
  close(): Promise<void>;
}
