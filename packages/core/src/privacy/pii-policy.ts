import type { IdentityRules } from '../identity/identity.schema.js';
import type { TrackingPlan } from '../events/tracking-plan.schema.js';
import { isPiiIdentifierType, PII_CONTEXT_PATHS } from './pii-fields.js';
import { marksAt, piiMarks, type PiiMarks } from './pii-marks.js';

/**
 * Which fields are personal beyond the default names (PII_FIELDS): what the tracking plans mark,
 * by plan target (`event:NAME` for a track event's properties, `traits` for a person's traits),
 * and the whole-message paths where identifiers of personal types are read (identity rules'
 * `paths` for `email`, `phone`…). Built once when plans change, read for every message masked.
 */
export interface PiiPolicy {
  readonly marks: ReadonlyMap<string, PiiMarks>;
  /** Marks from the message's root: `context` locators and identifier paths. */
  readonly message: PiiMarks;
}

export function piiPolicy(
  plans: readonly Pick<TrackingPlan, 'target' | 'schema'>[],
  rules: IdentityRules = [],
): PiiPolicy {
  const marks = new Map<string, PiiMarks>();
  for (const plan of plans) {
    const found = piiMarks(plan.schema);
    if (found !== undefined) marks.set(plan.target, found);
  }
  const identifierPaths = rules
    .filter((r) => isPiiIdentifierType(r.type))
    .flatMap((r) => r.paths ?? []);
  const message =
    marksAt([...PII_CONTEXT_PATHS.map((p) => `context.${p}`), ...identifierPaths]) ?? {};
  return { marks, message };
}

/** The defaults alone: no plan marks anything, identifiers are read where they are built in. */
export const DEFAULT_PII_POLICY: PiiPolicy = piiPolicy([]);
