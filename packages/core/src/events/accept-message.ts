import { err, ok, type Result } from '../result/result.js';
import type { MessageType, StoredMessage } from './events.schema.js';
import {
  checkTrackingPlan,
  type CompiledPlans,
  type PlanViolation,
} from './check-tracking-plan.js';
import { normalizeMessage, type NormalizeOptions } from './normalize-message.js';
import { isMessageType, validateMessage } from './validate-message.js';

export interface AcceptOptions extends NormalizeOptions {
  plans: CompiledPlans;
  /** The type the route implies (`/v1/track`); batch messages carry their own `type`. */
  type?: MessageType;
}

export interface Accepted {
  message: StoredMessage;
  violations: PlanViolation[];
}

export interface Refused {
  reason: string;
  /** Set when a tracking plan in block mode refused it (counted as a violation too). */
  violations?: PlanViolation[];
}

/**
 * The whole admission of one message: validate against its type, normalize, check the tracking
 * plan. Either the message to store (with any `allow`-mode violations) or the reason to refuse it.
 */
export function acceptMessage(raw: unknown, options: AcceptOptions): Result<Accepted, Refused> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return err({ reason: 'message must be a JSON object' });
  }
  const body = raw as Record<string, unknown>;
  const type = options.type ?? body.type;
  if (!isMessageType(type)) {
    return err({ reason: 'type must be one of track, identify, page, screen, group, alias' });
  }
  const valid = validateMessage(body, type);
  if (!valid.ok) return err({ reason: valid.error });
  const normalized = normalizeMessage(body, type, options);
  if (!normalized.ok) return err({ reason: normalized.error });
  const message = normalized.value;
  const outcome = checkTrackingPlan(options.plans, message);
  if (outcome.blockedReason !== undefined) {
    return err({ reason: outcome.blockedReason, violations: outcome.violations });
  }
  if (outcome.violations.length > 0) {
    message.tailor.violations = outcome.violations.map((v) => `${v.rule} (${v.message})`);
  }
  return ok({ message, violations: outcome.violations });
}
