import { Compile } from 'typebox/compile';
import { err, ok, type Result } from '../result/result.js';
import type { StoredMessage } from './events.schema.js';
import { eventTarget, IDENTIFY_EVENT, TRAITS_TARGET, type TrackingPlan } from './tracking-plan.schema.js';

/** One rule a message broke. */
export interface PlanViolation {
  event: string;
  rule: string;
  message: string;
}

export interface CompiledPlan {
  mode: 'allow' | 'block';
  check: (value: unknown) => PlanViolation[];
}

/** Plans by target (`event:NAME`, `traits`), compiled once when they change. */
export type CompiledPlans = ReadonlyMap<string, CompiledPlan>;

/** Compiles a plan's JSON Schema; a schema the validator cannot compile is refused with the reason. */
export function compileTrackingPlan(plan: Pick<TrackingPlan, 'target' | 'mode' | 'schema'>): Result<CompiledPlan> {
  const event = plan.target === TRAITS_TARGET ? IDENTIFY_EVENT : plan.target.replace(/^event:/, '');
  let validator: ReturnType<typeof Compile>;
  try {
    validator = Compile(plan.schema as Parameters<typeof Compile>[0]);
    validator.Check({});
  } catch (cause) {
    return err(`schema does not compile: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return ok({
    mode: plan.mode,
    check: (value) => {
      if (validator.Check(value)) return [];
      return validator.Errors(value).map((e) => {
        const missing = e.keyword === 'required' ? requiredNames(e.params) : '';
        const field = (e.instancePath || '') + missing;
        return { event, rule: `${field || '/'} ${e.keyword}`, message: e.message };
      });
    },
  });
}

function requiredNames(params: unknown): string {
  const names = (params as { requiredProperties?: unknown }).requiredProperties;
  return Array.isArray(names) && names.length > 0 ? `/${names.join(',')}` : '';
}

export interface PlanOutcome {
  violations: PlanViolation[];
  /** Set when a `block` plan refused the message; the reason to give the sender. */
  blockedReason?: string;
}

const NO_VIOLATIONS: PlanOutcome = { violations: [] };

/** Checks track properties against the event's plan and identify traits against the traits plan. */
export function checkTrackingPlan(plans: CompiledPlans, message: StoredMessage): PlanOutcome {
  if (plans.size === 0) return NO_VIOLATIONS;
  let plan: CompiledPlan | undefined;
  let value: unknown;
  if (message.type === 'track' && message.event !== undefined) {
    plan = plans.get(eventTarget(message.event));
    value = message.properties ?? {};
  } else if (message.type === 'identify') {
    plan = plans.get(TRAITS_TARGET);
    value = message.traits ?? {};
  }
  if (!plan) return NO_VIOLATIONS;
  const violations = plan.check(value);
  if (violations.length === 0) return NO_VIOLATIONS;
  if (plan.mode === 'block') {
    const first = violations[0];
    return {
      violations,
      blockedReason: `blocked by the tracking plan for ${first?.event ?? ''}: ${first?.rule ?? ''} (${first?.message ?? ''})`,
    };
  }
  return { violations };
}
