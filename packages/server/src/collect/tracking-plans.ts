import { logError } from '../privacy/log-error.js';
import {
  compileTrackingPlan,
  DEFAULT_PII_POLICY,
  piiPolicy,
  TailorError,
  type CompiledPlan,
  type CompiledPlans,
  type IdentityRules,
  type PiiPolicy,
  type TrackingPlan,
  type TrackingPlanBody,
} from '@tailor/core';
import type { StateStore } from '../store/state-store.js';
import { ReadOrder } from '../store/read-order.js';

/**
 * The tracking plans in force, compiled once per change and read by every message, with the
 * personal fields they mark (`"pii": true`) joined to the defaults and the identity rules' paths.
 */
export class TrackingPlans {
  private compiled: CompiledPlans = new Map();
  private personal: PiiPolicy = DEFAULT_PII_POLICY;
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();

  private constructor(
    private readonly store: StateStore['trackingPlans'],
    private readonly identityRules: IdentityRules,
  ) {}

  static async open(
    store: StateStore['trackingPlans'],
    identityRules: IdentityRules = [],
  ): Promise<TrackingPlans> {
    const plans = new TrackingPlans(store, identityRules);
    await plans.reload();
    return plans;
  }

  get current(): CompiledPlans {
    return this.compiled;
  }

  /** Which fields are personal (docs/pii-masking.md). */
  get pii(): PiiPolicy {
    return this.personal;
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

  /** Reads every plan again (on this thread after a change; on the worker when told of one). */
  async reload(): Promise<void> {
    await this.order.read(
      () => this.store.list(),
      (plans) => {
        const next = new Map<string, CompiledPlan>();
        for (const plan of plans) {
          const compiled = compileTrackingPlan(plan);
          if (compiled.ok) next.set(plan.target, compiled.value);
          // Saved under older rules (a pattern now over the engine's limits): said, not enforced.
          else
            logError(
              `tracking plan for ${plan.target} is not enforced: it no longer compiles; save it again`,
              new Error(compiled.error),
            );
        }
        this.compiled = next;
        this.personal = piiPolicy(plans, this.identityRules);
      },
    );
  }
}
