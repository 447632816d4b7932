import { printCondition, printSegment } from '../segments/print-definition.js';
import type { AggregateNode, Condition, Duration, StageNode } from '../segments/segments.schema.js';
import { walkCondition } from '../segments/walk-condition.js';
import type { TraitKind } from './trait-kind.js';

/** The event a change of stage is announced by, in the log. */
export const STAGE_CHANGED_EVENT = 'Journey Stage Changed';

/** Most rules a stage definition takes, and the longest stage name. */
const MAX_RULES = 20;
const MAX_NAME = 64;

const count = (event: string, window?: Duration): AggregateNode =>
  window === undefined
    ? { type: 'aggregate', fn: 'count', pattern: { event } }
    : { type: 'aggregate', fn: 'count', pattern: { event }, window };
const atLeast = (left: AggregateNode, n: number): Condition => ({
  type: 'compare',
  op: '>=',
  left,
  right: { type: 'literal', value: n },
});
const THIRTY_DAYS: Duration = { amount: 30, unit: 'd' };

/**
 * The seeds' five journey stages, what `stage()` means: advocacy once they referred someone or
 * reviewed a product, retention from a second order, purchase from the first, consideration while
 * they viewed or added a product in the last 30 days, awareness otherwise.
 */
export const DEFAULT_STAGES: StageNode = {
  type: 'stage',
  rules: [
    {
      stage: 'advocacy',
      when: {
        type: 'or',
        children: [atLeast(count('Referral Sent'), 1), atLeast(count('Product Reviewed'), 1)],
      },
    },
    { stage: 'retention', when: atLeast(count('Order Completed'), 2) },
    { stage: 'purchase', when: atLeast(count('Order Completed'), 1) },
    {
      stage: 'consideration',
      when: {
        type: 'or',
        children: [
          atLeast(count('Product Viewed', THIRTY_DAYS), 1),
          atLeast(count('Product Added', THIRTY_DAYS), 1),
        ],
      },
    },
  ],
  otherwise: 'awareness',
};

/** A stage name as the text writes it: bare when it can be, quoted otherwise (and `else` always). */
function printName(name: string): string {
  return name === 'else' ? JSON.stringify(name) : printSegment(name);
}

/** Refuses what the grammar cannot: repeated or overlong names, rules reading segments or clusters. */
function checkStages(node: StageNode): void {
  if (node.rules.length > MAX_RULES) throw new Error(`a stage takes at most ${MAX_RULES} rules`);
  const names = [...node.rules.map((r) => r.stage), ...(node.otherwise ? [node.otherwise] : [])];
  for (const [i, name] of names.entries()) {
    if (name.length === 0 || name.length > MAX_NAME)
      throw new Error(`a stage name is 1 to ${MAX_NAME} characters`);
    if (names.indexOf(name) !== i) throw new Error(`stage ${name} is named twice`);
  }
  for (const rule of node.rules)
    walkCondition(rule.when, {
      condition: (c) => {
        // Stages are decided before segments (a segment may read the stage): they cannot read one.
        if (c.type === 'in_segment' || c.type === 'in_cluster')
          throw new Error(
            `stage ${rule.stage}: a stage's rule cannot read ${c.type} (stages are decided before segments)`,
          );
      },
    });
}

/**
 * `stage(advocacy: count("Referral Sent") >= 1, purchase: count("Order Completed") >= 1, else: awareness)`:
 * the first rule whose condition holds names the person's stage; `else` when none does (no `else`:
 * null). `stage()` is `DEFAULT_STAGES`. Rules are conditions of the segment language over the
 * person's events, traits, consent, other computed traits and model scores; their aggregates are
 * kept as a segment's are.
 */
export const stageKind: TraitKind<StageNode> = {
  name: 'stage',
  normalize(node) {
    const given = node as Partial<StageNode>;
    const full: StageNode =
      given.rules === undefined
        ? (JSON.parse(JSON.stringify(DEFAULT_STAGES)) as StageNode)
        : { type: 'stage', rules: given.rules, otherwise: given.otherwise ?? null };
    checkStages(full);
    return full;
  },
  print(node) {
    if ((node as Partial<StageNode>).rules === undefined) return 'stage()';
    const parts = node.rules.map((r) => `${printName(r.stage)}: ${printCondition(r.when)}`);
    if (node.otherwise !== null) parts.push(`else: ${printName(node.otherwise)}`);
    return `stage(${parts.join(', ')})`;
  },
  // Its rules' aggregates are fed instead, as a segment's (`rules.conditions`).
  patterns: () => [],
  input: () => undefined,
  initial: () => ({ kind: 'window', entries: [] }),
  window: () => undefined,
  value: () => null,
  nextChange: () => undefined,
  rules: {
    conditions: (node) => node.rules.map((r) => r.when),
    decide: (node, holds) => node.rules.find((r) => holds(r.when))?.stage ?? node.otherwise,
    announce: STAGE_CHANGED_EVENT,
  },
};
