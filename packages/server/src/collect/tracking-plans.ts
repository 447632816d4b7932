import {
  compileTrackingPlan,
  TailorError,
  type CompiledPlan,
  type CompiledPlans,
  type TrackingPlan,
  type TrackingPlanBody,
} from '@tailor/core';
import type { StateStore } from '../store/state-store.js';

/** The tracking plans in force, compiled once per change and read by every message. */
export class TrackingPlans {
  private compiled: CompiledPlans = new Map();

  private constructor(private readonly store: StateStore['trackingPlans']) {}

  static async open(store: StateStore['trackingPlans']): Promise<TrackingPlans> {
    const plans = new TrackingPlans(store);
    await plans.reload();
    return plans;
  }

  get current(): CompiledPlans {
    return this.compiled;
  }

  list(): Promise<TrackingPlan[]> {
    return this.store.list();
  }

  /** Validates and stores a plan; a schema that does not compile is refused (400). */
  async put(target: string, body: TrackingPlanBody, now: Date): Promise<TrackingPlan> {
    const plan: TrackingPlan = {
      target,
      mode: body.mode,
      schema: body.schema,
      ...(body.description !== undefined && { description: body.description }),
      updatedAt: now.toISOString(),
    };
    const compiled = compileTrackingPlan(plan);
    if (!compiled.ok) throw new TailorError('invalid_request', compiled.error);
    await this.store.put(plan);
    await this.reload();
    return plan;
  }

  async delete(target: string): Promise<boolean> {
    const deleted = await this.store.delete(target);
    await this.reload();
    return deleted;
  }

  private async reload(): Promise<void> {
    const next = new Map<string, CompiledPlan>();
    for (const plan of await this.store.list()) {
      const compiled = compileTrackingPlan(plan);
      if (compiled.ok) next.set(plan.target, compiled.value);
    }
    this.compiled = next;
  }
}
