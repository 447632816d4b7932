/**
 * The segment language's tree: one language for computed traits, segments and decide rules.
 * Definitions are data: every node is a plain object tagged by `type`, printable back to text.
 */

export type Scalar = string | number | boolean | null;

/** A duration such as 30s, 15m, 24h, 7d, 2w; `ever` is the absence of a window. */
export interface Duration {
  amount: number;
  unit: 's' | 'm' | 'h' | 'd' | 'w';
}

/**
 * `traits.plan`, `computed.orders_7d`, `consent.marketing`, `context.page.path`, `properties.sku`,
 * `model.churn.score` (a registry model's score kept on the profile, docs/models.md)
 */
export interface PathNode {
  type: 'path';
  root: PathRoot;
  path: string[];
}
export const PATH_ROOTS = [
  'traits',
  'computed',
  'consent',
  'context',
  'properties',
  'model',
] as const;
export type PathRoot = (typeof PATH_ROOTS)[number];

export interface LiteralNode {
  type: 'literal';
  value: Scalar;
}

/** An event name with an optional filter over that event (`properties.*`, `context.*`). */
export interface EventPattern {
  event: string;
  where?: Condition;
}

export const AGGREGATE_FUNCTIONS = [
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'distinct',
  'first',
  'last',
  'most_frequent',
  'days_since',
] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

/** `count("Order Completed", 7d)`, `sum("Order Completed".revenue, 30d)`, `days_since("Order Completed")` */
export interface AggregateNode {
  type: 'aggregate';
  fn: AggregateFunction;
  pattern: EventPattern;
  /** The property aggregated (under `properties`), for every function but count and days_since. */
  property?: string[];
  /** Absent: over all time (`ever`). */
  window?: Duration;
}

/**
 * Built-in computed trait: `rfm("Order Completed".revenue, 365d)`. Per person: days since the last
 * matching event in the window, how many there were and the sum of the property; r, f and m
 * scores 1-5 place that person among everyone with at least one such event (quintiles, refreshed
 * on a schedule).
 */
export interface RfmNode {
  type: 'rfm';
  pattern: EventPattern;
  property: string[];
  window: Duration;
}

/**
 * Built-in computed trait: recency-weighted event counts.
 * `engagement(events: {"Page Viewed": 1, "Order Completed": 10}, recency: {7d: 1, 30d: 0.5, 90d: 0.25})`:
 * each matching event adds its weight times the weight of the first recency window it is still in;
 * older events add nothing.
 */
export interface EngagementNode {
  type: 'engagement';
  events: { pattern: EventPattern; weight: number }[];
  /** Ascending windows. */
  recency: { window: Duration; weight: number }[];
}

/**
 * Built-in computed trait: `clv("Order Completed".revenue, 52w)`. Per person: the purchase history
 * as BG/NBD and Gamma-Gamma read it, and their predictions over the horizon (expected purchases,
 * P(alive), expected spend, value) from models fitted on everyone (docs/clv.md).
 */
export interface ClvNode {
  type: 'clv';
  pattern: EventPattern;
  property: string[];
  horizon: Duration;
}

/**
 * Built-in computed trait: the person's journey stage, the first of ordered rules whose condition
 * holds (docs/segments.md, "Journey stages"). `stage()` alone is the default rules
 * (`DEFAULT_STAGES` in traits/stage-trait.ts); each change of value is announced in the log as
 * `Journey Stage Changed`.
 */
export interface StageNode {
  type: 'stage';
  /** In order: the person's stage is the first whose condition holds. */
  rules: { stage: string; when: Condition }[];
  /** The stage when no rule holds; null: none. */
  otherwise: string | null;
}

/** What a computed trait can be: any aggregate, or a built-in. Only aggregates appear inside conditions. */
export type ComputedNode = AggregateNode | RfmNode | EngagementNode | ClvNode | StageNode;

/** The recency weights `engagement(...)` uses when its definition gives none. */
export const DEFAULT_RECENCY: EngagementNode['recency'] = [
  { window: { amount: 7, unit: 'd' }, weight: 1 },
  { window: { amount: 30, unit: 'd' }, weight: 0.5 },
  { window: { amount: 90, unit: 'd' }, weight: 0.25 },
];

export type Operand = PathNode | LiteralNode | AggregateNode;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { type: 'and'; children: Condition[] }
  | { type: 'or'; children: Condition[] }
  | { type: 'not'; child: Condition }
  | { type: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { type: 'in'; value: Operand; list: Scalar[] }
  | { type: 'contains'; value: Operand; search: Operand }
  | { type: 'starts_with'; value: Operand; prefix: Operand }
  | { type: 'matches'; value: Operand; pattern: string; flags: string }
  | { type: 'exists'; value: PathNode }
  | { type: 'boolean'; value: boolean }
  | { type: 'in_segment'; segment: string }
  /** `in_cluster("CLUSTERING", "PERSONA")`: the person's nearest cluster has that persona name. */
  | { type: 'in_cluster'; clustering: string; persona: string }
  /** `A then B within T`, or with `not`: the latest A is at least T old and no B came after it. */
  | {
      type: 'sequence';
      first: EventPattern;
      then: EventPattern;
      negated: boolean;
      within: Duration;
    };

/** A refusal with where it happened: 0-based character offset into the text. */
export interface DefinitionError {
  message: string;
  position: number;
}

export const DURATION_MS: Record<Duration['unit'], number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function durationMs(d: Duration): number {
  return d.amount * DURATION_MS[d.unit];
}
