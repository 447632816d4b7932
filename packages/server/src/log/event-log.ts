import type { StoredMessage } from '@tailor/core';

/**
 * The append-only event log: the port every log adapter implements (embedded SQLite now,
 * NATS JetStream for the scale-out path). Positions are opaque increasing numbers; consumers
 * remember the last one they folded and read on from there, which is also how a backfill replays.
 */
export interface EventLog {
  /**
   * Appends messages durably. Resolves once they are committed, with one flag per message:
   * true when stored, false when its messageId was already in the log (idempotent retry).
   */
  append(messages: readonly StoredMessage[]): Promise<boolean[]>;
  /** Events after `position` in log order, optionally only those of some partitions. */
  read(position: number, limit: number, partitions?: readonly number[]): Promise<LoggedEvent[]>;
  /**
   * One person's events by identifier after `after`, in log order, cursor-paged, found by reading
   * every event from there (the log keeps no index of them): for the part of the log the profile
   * pipeline has not indexed yet (`eventsOfIdentifier` reads the rest from its index).
   */
  scanByIdentifier(query: IdentifierQuery): Promise<{ events: LoggedEvent[]; next: number | null }>;
  /**
   * The `limit` events before `position` (exclusive; from the log's end when undefined), newest
   * first: the live view of the log and reports over a recent window read backwards from here.
   * Fewer than `limit` means the log's start was reached.
   */
  readBefore(position: number | undefined, limit: number): Promise<LoggedEvent[]>;
  /** The events at these positions, in log order (positions not in the log are skipped). */
  readPositions(positions: readonly number[]): Promise<LoggedEvent[]>;
  stats(): Promise<LogStats>;
  /**
   * The events past `after(partition)` in their partition: what pipelines at those positions have
   * not folded yet; how many, and in which partitions.
   */
  behind(after: (partition: number) => number): Promise<Behind>;
  /**
   * The partitions holding events past `after(partition)`, in order: `behind`'s partitions
   * without counting their events (on JetStream a count costs a consumer per partition; this,
   * one request per partition for its last sequence).
   */
  partitionsPast(after: (partition: number) => number): Promise<number[]>;
  /**
   * Removes events for good (a person's erasure): their rows and index entries are overwritten,
   * and the write-ahead log emptied, so no copy stays in the files.
   */
  erase(positions: readonly number[]): Promise<void>;
  /**
   * Deletes the track events named `event` received before `receivedBefore` (ms) among positions
   * `after` < p <= min(`upTo`, `after` + `chunk`) (retention: a caller loops, yielding between
   * calls). `next` is the end of that range; `newer` tells that it held an event received at or
   * after `receivedBefore` (the log is in order of receipt: a pass can stop there).
   */
  prune(query: PruneQuery): Promise<PruneStep>;
  /**
   * The track events named one of `names` among positions `after` < p <= min(`upTo`, `after` +
   * `chunk`), in log order: for followers that want a few kinds of events (the bandits' counts,
   * the recommendations' follower). The others are passed over by the name the log keeps beside
   * their payloads, never opened. `next` is the end of that range (a caller goes on from there).
   */
  readNamed(query: NamedQuery): Promise<NamedStep>;
  close(): Promise<void>;
}

export interface NamedQuery {
  names: readonly string[];
  after: number;
  upTo: number;
  chunk: number;
}

export interface NamedStep {
  events: LoggedEvent[];
  next: number;
}

export interface Behind {
  events: number;
  partitions: number[];
}

export interface PruneStep {
  deleted: number;
  next: number;
  newer: boolean;
}

export interface PruneQuery {
  event: string;
  receivedBefore: number;
  after: number;
  upTo: number;
  chunk: number;
}

export interface LoggedEvent {
  position: number;
  partition: number;
  message: StoredMessage;
}

export interface IdentifierQuery {
  kind: 'userId' | 'anonymousId';
  value: string;
  after: number;
  limit: number;
  /**
   * Per partition, the position up to which an index holds its events (a pipeline per partition
   * indexes as it folds): the scan skips those, and the partitions read to their end.
   */
  indexedTo?: readonly number[];
}

export interface LogStats {
  events: number;
  bytes: number;
  lastPosition: number;
}

/**
 * Consumption is partitioned by person: the partition comes from the message's userId, or its
 * anonymousId when it has none, so one person's events keep their order within a partition.
 */
export const PARTITIONS = 64;

export function partitionOf(message: Pick<StoredMessage, 'userId' | 'anonymousId'>): number {
  return partitionFor(message, PARTITIONS);
}

/** The partition of a message's person among `count` (a JetStream stream's, fixed at its creation). */
export function partitionFor(
  message: Pick<StoredMessage, 'userId' | 'anonymousId'>,
  count: number,
): number {
  const key = message.userId ?? message.anonymousId ?? '';
  // FNV-1a, 32 bit: stable across processes and languages, cheap per event.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}
