import type { ArmCounts } from '@tailor/core';
import type { BanditMetric, BanditStore, Exposure } from '../store/bandit-store.js';

const NONE: ArmCounts = { exposures: 0, conversions: 0 };

/**
 * How long an exposure decided here counts while the stored counts do not hold it (the pipeline
 * has not folded its record yet). Past that the stored counts alone are used again: the record
 * was dropped (an erasure), or the pipeline is that far behind.
 */
const PENDING_MS = 60_000;
/** Exposures held at most; the oldest go first. */
const PENDING_MAX = 100_000;

/** An exposure decided here and not yet seen in the stored counts. */
interface Pending {
  exposure: Exposure;
  arm: string;
  at: number;
}

export interface BanditArmsOptions {
  store: Pick<BanditStore, 'armsHolding'>;
  /** How a person is kept in the counts: the stores' blind index of the identifier. */
  personKey: (type: string, value: string) => string;
  now?: () => number;
}

/**
 * The bandits' counts in memory, for the decider (no disk read on the decide path): read whole
 * from the store by `refresh`, which runs after the pipeline on this thread counts, and every
 * second on the request thread of `tailor serve` (the pipeline runs on a worker thread there).
 * The table is one row per placement, metric and item, so reading it whole is cheap.
 *
 * Exposures count from the moment they are decided: the decider reports each one (`exposed`),
 * and it is added to its item's count until the stored counts hold it, which the bandit stage
 * does once the pipeline folds the decision's record (the counts stay the record's, rebuilt from
 * the log after a restart). A person is counted once per item: twice shown before the record is
 * folded adds one, and one the store counted before (a returning visitor) adds one only until the
 * next refresh finds them counted. Conversions are counted by the stage alone.
 */
export class BanditArms {
  private counts = new Map<string, ArmCounts>();
  /** By arm and person, oldest first. */
  private readonly pending = new Map<string, Pending>();
  /** How many of the pending exposures each arm has. */
  private readonly added = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: BanditArmsOptions) {
    this.now = options.now ?? Date.now;
  }

  async refresh(): Promise<void> {
    this.expire();
    // The counts and which held exposures they hold, read together and applied together: an
    // exposure is in the one or the other, never in both or neither.
    const held = [...this.pending];
    const { arms, counted } = await this.options.store.armsHolding(held.map(([, p]) => p.exposure));
    held.forEach(([key, p], i) => {
      if (counted[i] === true && this.pending.get(key) === p) this.drop(key, p);
    });
    const counts = new Map<string, ArmCounts>();
    for (const arm of arms)
      counts.set(armKey(arm, arm.itemId), {
        exposures: arm.exposures,
        conversions: arm.conversions,
      });
    this.counts = counts;
  }

  /**
   * A decision showed an optimized placement's item (not its default as a fallback, not the
   * holdout's) to this person, known by their userId, else their anonymousId, as on its record.
   */
  exposed(
    metric: BanditMetric,
    itemId: string,
    who: { userId?: string | null | undefined; anonymousId?: string | null | undefined },
  ): void {
    const { userId, anonymousId } = who;
    const person =
      userId !== undefined && userId !== null
        ? this.options.personKey('userId', userId)
        : anonymousId !== undefined && anonymousId !== null
          ? this.options.personKey('anonymousId', anonymousId)
          : undefined;
    if (person === undefined) return;
    const arm = armKey(metric, itemId);
    const key = `${arm}\u0000${person}`;
    if (this.pending.has(key)) return;
    this.pending.set(key, { exposure: { metric, itemId, person }, arm, at: this.now() });
    this.added.set(arm, (this.added.get(arm) ?? 0) + 1);
    if (this.pending.size > PENDING_MAX) this.expire();
  }

  /** An item's counts under a placement's metric (zeros before its first exposure). */
  of(metric: BanditMetric, itemId: string): ArmCounts {
    const arm = armKey(metric, itemId);
    const stored = this.counts.get(arm) ?? NONE;
    const added = this.added.get(arm);
    return added === undefined ? stored : { ...stored, exposures: stored.exposures + added };
  }

  /** Lets go of the exposures held too long, and of the oldest beyond the most held. */
  private expire(): void {
    const before = this.now() - PENDING_MS;
    for (const [key, p] of this.pending) {
      if (p.at > before && this.pending.size <= PENDING_MAX) return;
      this.drop(key, p);
    }
  }

  private drop(key: string, p: Pending): void {
    this.pending.delete(key);
    const left = (this.added.get(p.arm) ?? 1) - 1;
    if (left > 0) this.added.set(p.arm, left);
    else this.added.delete(p.arm);
  }
}

function armKey(metric: BanditMetric, itemId: string): string {
  return `${metric.placement}\u0000${metric.event}\u0000${metric.withinMs}\u0000${itemId}`;
}
