import { testRegex } from './linear-regex.js';
import type {
  AggregateNode,
  Condition,
  EventPattern,
  Operand,
  PathNode,
} from './segments.schema.js';

/**
 * What a condition is evaluated against. Field roots are plain objects; aggregates, sequences and
 * other segments are answered by the caller, who keeps their incremental state.
 */
export interface EvaluationScope {
  traits?: Record<string, unknown>;
  computed?: Record<string, unknown>;
  /** Model scores by model name (`model.churn.score`). */
  model?: Record<string, unknown>;
  consent?: Record<string, unknown>;
  context?: Record<string, unknown>;
  /** The event's properties, inside a `where` filter. */
  properties?: Record<string, unknown>;
  aggregate?(node: AggregateNode): unknown;
  sequence?(node: Extract<Condition, { type: 'sequence' }>): boolean;
  inSegment?(name: string): boolean;
  /** Whether the person's nearest cluster of a clustering has this persona name. */
  inCluster?(clustering: string, persona: string): boolean;
}

/**
 * Evaluates a condition. Missing values are null: `traits.plan = null` holds for a person without
 * a plan, and `!=` is the negation of `=`. Ordering comparisons hold only between two numbers or
 * two strings (ISO 8601 dates compare as text), never with a missing value.
 */
export function evaluateCondition(c: Condition, scope: EvaluationScope): boolean {
  switch (c.type) {
    case 'and':
      return c.children.every((child) => evaluateCondition(child, scope));
    case 'or':
      return c.children.some((child) => evaluateCondition(child, scope));
    case 'not':
      return !evaluateCondition(c.child, scope);
    case 'boolean':
      return c.value;
    case 'compare':
      return compare(c.op, operand(c.left, scope), operand(c.right, scope));
    case 'in': {
      const value = operand(c.value, scope);
      return c.list.some((item) => equal(value, item));
    }
    case 'contains': {
      const value = operand(c.value, scope);
      const search = operand(c.search, scope);
      if (Array.isArray(value)) return value.some((item) => equal(normalize(item), search));
      return typeof value === 'string' && typeof search === 'string' && value.includes(search);
    }
    case 'starts_with': {
      const value = operand(c.value, scope);
      const prefix = operand(c.prefix, scope);
      return typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix);
    }
    case 'matches': {
      const value = operand(c.value, scope);
      return typeof value === 'string' && testRegex(c.pattern, c.flags, value);
    }
    case 'exists':
      return operand(c.value, scope) !== null;
    case 'in_segment':
      return scope.inSegment?.(c.segment) ?? false;
    case 'in_cluster':
      return scope.inCluster?.(c.clustering, c.persona) ?? false;
    case 'sequence':
      return scope.sequence?.(c) ?? false;
    default:
      return assertNever(c);
  }
}

/** True when an event (its name, properties and context) fits a pattern. */
export function matchesPattern(
  pattern: EventPattern,
  event: {
    event?: string | undefined;
    properties?: Record<string, unknown> | undefined;
    context?: Record<string, unknown> | undefined;
  },
): boolean {
  if (event.event !== pattern.event) return false;
  return (
    pattern.where === undefined ||
    evaluateCondition(pattern.where, {
      properties: event.properties ?? {},
      context: event.context ?? {},
    })
  );
}

/** Reads a path from a scope; undefined and missing become null. */
export function readField(path: PathNode, scope: EvaluationScope): unknown {
  let current: unknown = scope[path.root];
  for (const key of path.path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return null;
    current = (current as Record<string, unknown>)[key];
  }
  return normalize(current);
}

function operand(o: Operand, scope: EvaluationScope): unknown {
  switch (o.type) {
    case 'literal':
      return o.value;
    case 'path':
      return readField(o, scope);
    case 'aggregate':
      return normalize(scope.aggregate?.(o) ?? null);
    default:
      return assertNever(o);
  }
}

function normalize(value: unknown): unknown {
  return value === undefined ? null : value;
}

function equal(a: unknown, b: unknown): boolean {
  return a === b;
}

function compare(
  op: Extract<Condition, { type: 'compare' }>['op'],
  a: unknown,
  b: unknown,
): boolean {
  if (op === '=') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  const comparable =
    (typeof a === 'number' && typeof b === 'number') ||
    (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const [x, y] = [a, b] as [number, number];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      return assertNever(op);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected node ${JSON.stringify(x)}`);
}
