import {
  TailorError,
  type TrackingPlan,
  type TrackingPlanBody,
  type Violation,
} from '@tailor/core';
import type { StateStore } from '../store/state-store.js';
import type { TrackingPlans } from './tracking-plans.js';

export interface TrackingPlanServiceDeps {
  plans: TrackingPlans;
  violations: StateStore['violations'];
  /** Writes the violation counts collection holds in memory. */
  flushViolations: () => Promise<void>;
  /** Everything that checks messages against the plans reads them again, here and on other nodes. */
  plansChanged: () => Promise<void>;
  now: () => number;
}

/**
 * Tracking plans (a JSON Schema per event and one for identify traits) and the violations they
 * count. A target is an event's (`eventTarget`) or the traits' (`TRAITS_TARGET`).
 */
export class TrackingPlanService {
  constructor(private readonly deps: TrackingPlanServiceDeps) {}

  list(): Promise<TrackingPlan[]> {
    return this.deps.plans.list();
  }

  async put(target: string, body: TrackingPlanBody): Promise<TrackingPlan> {
    const plan = await this.deps.plans.put(target, body, new Date(this.deps.now()));
    await this.deps.plansChanged();
    return plan;
  }

  async delete(target: string): Promise<void> {
    if (!(await this.deps.plans.delete(target)))
      throw new TailorError('not_found', `no tracking plan for ${target}`);
    await this.deps.plansChanged();
  }

  /** Violations counted per event name and rule, up to now, with their total. */
  async violations(event?: string): Promise<{ violations: Violation[]; total: number }> {
    await this.deps.flushViolations();
    const violations = await this.deps.violations.list(event === undefined ? {} : { event });
    return { violations, total: violations.reduce((sum, v) => sum + v.count, 0) };
  }
}
