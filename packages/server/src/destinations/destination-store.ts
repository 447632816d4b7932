import type { IdentifierRef, PiiMode, StoredMessage } from '@tailor/core';

/**
 * A destination. `webhook`: matching events are POSTed to `url`, signed with `secret` (sealed at
 * rest). `warehouse`: messages are loaded into the PostgreSQL schema `schema` of the database whose
 * connection URL (password included) is `secret`; `url` is that URL without its password.
 */
export interface Destination {
  name: string;
  type: 'webhook' | 'warehouse';
  url: string;
  /** A warehouse's schema (its name as a warehouse name by default). */
  schema?: string | undefined;
  /** Event names delivered (`Segment Entered` and `Segment Exited` included); `*` for every track event. */
  events: string[];
  secret: string;
  /**
   * Most events in one POST when several are waiting. 1 (the default) POSTs each event alone as
   * its JSON body; above 1 the body is `{"batch": [event...]}` with whatever is due, up to this many.
   */
  batchSize?: number | undefined;
  /** The consent purpose it serves (`marketing` by default): people who refused it are not sent. */
  purpose?: string | undefined;
  /**
   * How personal fields are sent (docs/pii-masking.md): `mask` (the default, also for destinations
   * made before the option), `hash` (SHA-256 of the normalized value) or `include`.
   */
  pii?: PiiMode | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: number;
  destination: string;
  message: StoredMessage;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** When the next attempt is due (ms). */
  nextAt: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

/** An attempt's result: delivered, or failed with when to try again (or to give up). */
export type Outcome =
  | { id: number; delivered: true; at: number }
  | { id: number; delivered: false; error: string; nextAt: number; giveUp: boolean };

/**
 * Destinations and their durable outbox. A destination reads the log from its own position;
 * taking its matching events into the outbox and moving that position happen in one
 * transaction, so nothing is lost or queued twice across a restart.
 */
export interface DestinationStore {
  list(): Promise<Destination[]>;
  get(name: string): Promise<Destination | undefined>;
  /** Creates or replaces; a new destination starts reading the log at `position`. */
  put(destination: Destination, position: number): Promise<void>;
  delete(name: string): Promise<boolean>;
  position(name: string): Promise<number>;
  /** Queues deliveries and moves the destination to `to`, if it is still at `from`. */
  enqueue(
    name: string,
    range: { from: number; to: number },
    messages: readonly StoredMessage[],
    now: number,
  ): Promise<boolean>;
  /**
   * Pending deliveries due by `now`, the earliest first; of one destination when named. An adapter
   * shared by several nodes (PostgreSQL) also claims them for this node for a lease: other nodes'
   * `due` skips them until they are settled or the lease runs out (the node died).
   */
  due(now: number, limit: number, destination?: string): Promise<Delivery[]>;
  /** Records how attempts went (of deliveries `due` gave this node), all in one transaction. */
  settle(outcomes: readonly Outcome[]): Promise<void>;
  deliveries(
    name: string,
    query: { status?: Delivery['status']; limit: number },
  ): Promise<Delivery[]>;
  counts(name: string): Promise<Record<Delivery['status'], number>>;
  /** Deletes delivered and failed deliveries created before `before` (ms); pending ones stay. Returns how many. */
  prune(before: number): Promise<number>;
  /** Removes every delivery about a person (by identifiers or profile ids), sent or not; empties the WAL. */
  erase(person: {
    identifiers: readonly IdentifierRef[];
    profiles: readonly string[];
  }): Promise<void>;
  close(): Promise<void>;
}
