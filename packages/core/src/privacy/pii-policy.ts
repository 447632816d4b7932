import type { IdentityRules } from '../identity/identity.schema.js';
import { eventTarget, type TrackingPlan } from '../events/tracking-plan.schema.js';
import type { ComputedNode } from '../segments/segments.schema.js';
import { isPiiField, isPiiIdentifierType, PII_CONTEXT_PATHS } from './pii-fields.js';
import { markOf, marksAt, piiMarks, type PiiMarks } from './pii-marks.js';

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
  /**
   * Computed traits whose values are personal values (`last("Order Completed".email)`): masked
   * wherever personal traits are (`withPersonalComputed`).
   */
  readonly computed?: ReadonlySet<string>;
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

/**
 * The policy with the computed traits that carry personal values: an aggregate other than
 * `count` and `days_since` over a property that is personal by name (at any depth, as in events)
 * or marked `pii` by the event's tracking plan. Counts, recency, RFM scores and engagement are not.
 */
export function withPersonalComputed(
  policy: PiiPolicy,
  computed: readonly { name: string; node: ComputedNode | undefined }[],
): PiiPolicy {
  const personal = new Set(
    computed
      .filter((c) => c.node !== undefined && carriesPersonalValue(c.node, policy))
      .map((c) => c.name),
  );
  return { ...policy, computed: personal };
}

function carriesPersonalValue(node: ComputedNode, policy: PiiPolicy): boolean {
  if (node.type !== 'aggregate' || node.property === undefined) return false;
  if (node.fn === 'count' || node.fn === 'days_since') return false;
  let marks: PiiMarks | true | undefined = policy.marks.get(eventTarget(node.pattern.event));
  for (const field of node.property) {
    if (marks === true || isPiiField(field)) return true;
    marks = markOf(marks, field);
  }
  return marks === true;
}
