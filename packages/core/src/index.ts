export * from './result/result.js';
export * from './errors/tailor-error.js';
export * from './events/events.schema.js';
export * from './events/tracking-plan.schema.js';
export { parseTimestamp, formatTimestamp } from './events/normalize-timestamp.js';
export { findNonFinite, NON_FINITE_REASON } from './events/find-non-finite.js';
export { normalizeEmail } from './events/normalize-email.js';
export { normalizePhone, type CountryCode } from './events/normalize-phone.js';
export { normalizeCountry } from './events/normalize-country.js';
export { validateMessage, isMessageType } from './events/validate-message.js';
export { normalizeMessage, type NormalizeOptions } from './events/normalize-message.js';
export {
  compileTrackingPlan,
  checkTrackingPlan,
  type CompiledPlan,
  type CompiledPlans,
  type PlanViolation,
} from './events/check-tracking-plan.js';
export {
  acceptMessage,
  type AcceptOptions,
  type Accepted,
  type Refused,
} from './events/accept-message.js';
export * from './identity/index.js';
export * from './profiles/index.js';
export * from './segments/index.js';
export * from './traits/index.js';
export * from './identity/matching/index.js';
export * from './decide/index.js';
export * from './experiments/index.js';
export * from './privacy/index.js';
