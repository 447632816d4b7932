/**
 * A placement's bandit metric: conversions are `event` within `withinMs` of a person's first
 * exposure to an item (0: any time after). Counts are kept per placement, metric and item, so a
 * placement given a new metric starts counting afresh.
 */
export interface BanditMetric {
  placement: string;
  event: string;
  withinMs: number;
}

/** One item's counts under a metric: distinct people shown it, and how many of them converted. */
export interface BanditArm extends BanditMetric {
  itemId: string;
  exposures: number;
  conversions: number;
}

/** An arm's key as both stores' tables hold it (`bandit_arms`, `bandit_people`). */
export interface ArmRow {
  placement: string;
  event: string;
  within_ms: number;
  item_id: string;
}

/** A `bandit_arms` row as the arm it counts. */
export function armOf(row: ArmRow & { exposures: number; conversions: number }): BanditArm {
  return {
    placement: row.placement,
    event: row.event,
    withinMs: row.within_ms,
    itemId: row.item_id,
    exposures: row.exposures,
    conversions: row.conversions,
  };
}

/**
 * What a batch of the log does to the counts: a person shown an item (counted once per person), or
 * a metric event done by a person (known by up to two keys: their userId's and their anonymousId's).
 * People are opaque keys (hashes of their identifiers), never identifiers.
 */
export type ArmUpdate =
  | { kind: 'exposure'; metric: BanditMetric; itemId: string; person: string; at: number }
  | { kind: 'conversion'; event: string; people: readonly string[]; at: number };

/** A person shown an item under a metric, as the counts keep them. */
export interface Exposure {
  metric: BanditMetric;
  itemId: string;
  person: string;
}

/**
 * The bandits' counts and who they count, kept by a log consumer of their own: its position moves
 * in the same transaction as the counts, so every event is counted once.
 */
export interface BanditStore {
  /** The last log position whose events are counted. */
  position(): Promise<number>;
  /**
   * Applies the updates and moves the position to `range.to`, in one transaction. Returns false
   * (and writes nothing) when the stored position is already past `range.from`: another process
   * counted those events.
   */
  fold(range: { from: number; to: number }, updates: readonly ArmUpdate[]): Promise<boolean>;
  /** Every item's counts, under every metric counted so far. */
  arms(): Promise<BanditArm[]>;
  /**
   * Every item's counts and, read with them (one snapshot: no fold in between), whether each of
   * these exposures is among them (its person is among the item's exposed).
   */
  armsHolding(exposures: readonly Exposure[]): Promise<{ arms: BanditArm[]; counted: boolean[] }>;
  /** Forgets these people (an erasure): their rows go, and the counts drop by what they added. */
  erase(people: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
