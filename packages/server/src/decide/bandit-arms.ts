import type { ArmCounts } from '@tailor/core';
import type { BanditMetric, BanditStore } from '../store/bandit-store.js';

const NONE: ArmCounts = { exposures: 0, conversions: 0 };

/**
 * The bandits' counts in memory, for the decider (no disk read on the decide path): read whole
 * from the store by `refresh`, which runs after the pipeline on this thread counts, and every
 * second on the request thread of `tailor serve` (the pipeline runs on a worker thread there).
 * The table is one row per placement, metric and item, so reading it whole is cheap.
 */
export class BanditArms {
  private counts = new Map<string, ArmCounts>();

  constructor(private readonly store: Pick<BanditStore, 'arms'>) {}

  async refresh(): Promise<void> {
    const counts = new Map<string, ArmCounts>();
    for (const arm of await this.store.arms())
      counts.set(armKey(arm, arm.itemId), {
        exposures: arm.exposures,
        conversions: arm.conversions,
      });
    this.counts = counts;
  }

  /** An item's counts under a placement's metric (zeros before its first exposure). */
  of(metric: BanditMetric, itemId: string): ArmCounts {
    return this.counts.get(armKey(metric, itemId)) ?? NONE;
  }
}

function armKey(metric: BanditMetric, itemId: string): string {
  return `${metric.placement}\u0000${metric.event}\u0000${metric.withinMs}\u0000${itemId}`;
}
