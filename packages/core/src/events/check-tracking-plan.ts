import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { err, ok, type Result } from '../result/result.js';
import { linearRegExp } from '../segments/linear-regex.js';
import type { StoredMessage } from './events.schema.js';
import {
  eventTarget,
  IDENTIFY_EVENT,
  TRAITS_TARGET,
  type TrackingPlan,
} from './tracking-plan.schema.js';

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

/**
 * Tracking plans are plain JSON Schema (draft-07, as Segment Protocols and most tracking-plan tools
 * write them), so they are checked by Ajv: the schema itself is validated against the meta-schema,
 * every violation is reported (allErrors), and the common formats (email, date-time, uri…) work.
 * Unknown keywords are allowed, since plans often carry annotations of their own. Patterns run on
 * RE2, as in segment definitions: a plan is checked on every message collected.
 */
const ajv = new Ajv({
  allErrors: true,
  strict: false,
  validateSchema: true,
  code: { regExp: linearRegExp },
});
addFormats.default(ajv);

/** Compiles a plan's JSON Schema; a schema that is not valid JSON Schema is refused with the reason. */
export function compileTrackingPlan(
  plan: Pick<TrackingPlan, 'target' | 'mode' | 'schema'>,
): Result<CompiledPlan> {
  const event = plan.target === TRAITS_TARGET ? IDENTIFY_EVENT : plan.target.replace(/^event:/, '');
  if (!ajv.validateSchema(plan.schema)) {
    return err(
      `schema is not valid JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`,
    );
  }
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(plan.schema);
  } catch (cause) {
    return err(
      `schema does not compile: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
  return ok({
    mode: plan.mode,
    check: (value) => {
      if (validate(value)) return [];
      return (validate.errors ?? []).map((e) => ({
        event,
        rule: ruleOf(e),
        message: e.message ?? e.keyword,
      }));
    },
  });
}

/** `/path keyword`, naming the missing property for `required` so each is counted on its own. */
function ruleOf(e: ErrorObject): string {
  const missing =
    e.keyword === 'required' ? `/${(e.params as { missingProperty: string }).missingProperty}` : '';
  const field = e.instancePath + missing;
  return `${field || '/'} ${e.keyword}`;
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
