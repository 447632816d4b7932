import { evaluateCondition, type EvaluationScope } from './evaluate-condition.js';
import { testRegex } from './linear-regex.js';
import type { Condition, Operand, PathNode } from './segments.schema.js';

/** A condition compiled once: a function of the scope, with the same answers as `evaluateCondition`. */
export type CompiledCondition = (scope: EvaluationScope) => boolean;

type Read = (scope: EvaluationScope) => unknown;

/**
 * Compiles a condition into closures: the tree is walked once, here, and each evaluation runs the
 * closures without switching on node types or walking paths generically (decide evaluates every
 * rule of a placement on every request). Same semantics as `evaluateCondition`: missing values
 * are null, `!=` is the negation of `=`, ordering holds only between two numbers or two strings.
 * Sequences are answered by the scope, as there.
 */
export function compileCondition(c: Condition): CompiledCondition {
  switch (c.type) {
    case 'and': {
      const children = c.children.map(compileCondition);
      if (children.length === 2) {
        const [a, b] = children as [CompiledCondition, CompiledCondition];
        return (scope) => a(scope) && b(scope);
      }
      return (scope) => children.every((child) => child(scope));
    }
    case 'or': {
      const children = c.children.map(compileCondition);
      if (children.length === 2) {
        const [a, b] = children as [CompiledCondition, CompiledCondition];
        return (scope) => a(scope) || b(scope);
      }
      return (scope) => children.some((child) => child(scope));
    }
    case 'not': {
      const child = compileCondition(c.child);
      return (scope) => !child(scope);
    }
    case 'boolean': {
      const value = c.value;
      return () => value;
    }
    case 'compare':
      return compileCompare(c.op, compileOperand(c.left), compileOperand(c.right));
    case 'in': {
      const value = compileOperand(c.value);
      const list = new Set<unknown>(c.list);
      return (scope) => list.has(value(scope));
    }
    case 'contains': {
      const value = compileOperand(c.value);
      const search = compileOperand(c.search);
      return (scope) => {
        const v = value(scope);
        const s = search(scope);
        if (Array.isArray(v)) return v.some((item) => normalize(item) === s);
        return typeof v === 'string' && typeof s === 'string' && v.includes(s);
      };
    }
    case 'starts_with': {
      const value = compileOperand(c.value);
      const prefix = compileOperand(c.prefix);
      return (scope) => {
        const v = value(scope);
        const p = prefix(scope);
        return typeof v === 'string' && typeof p === 'string' && v.startsWith(p);
      };
    }
    case 'matches': {
      const value = compileOperand(c.value);
      const { pattern, flags } = c;
      return (scope) => {
        const v = value(scope);
        return typeof v === 'string' && testRegex(pattern, flags, v);
      };
    }
    case 'exists': {
      const value = compilePath(c.value);
      return (scope) => value(scope) !== null;
    }
    case 'in_segment': {
      const segment = c.segment;
      return (scope) => scope.inSegment?.(segment) ?? false;
    }
    case 'in_cluster': {
      const { clustering, persona } = c;
      return (scope) => scope.inCluster?.(clustering, persona) ?? false;
    }
    case 'sequence':
      return (scope) => evaluateCondition(c, scope);
    default:
      return assertNever(c);
  }
}

function compileOperand(o: Operand): Read {
  switch (o.type) {
    case 'literal': {
      const value = o.value;
      return () => value;
    }
    case 'path':
      return compilePath(o);
    case 'aggregate':
      return (scope) => normalize(scope.aggregate?.(o) ?? null);
    default:
      return assertNever(o);
  }
}

/** A path's reader; undefined and missing become null (as `readField`). */
function compilePath(path: PathNode): Read {
  const { root } = path;
  const keys = [...path.path];
  const step = (current: unknown, key: string): unknown =>
    current === null || typeof current !== 'object' || !Object.hasOwn(current, key)
      ? MISSING
      : (current as Record<string, unknown>)[key];
  if (keys.length === 1) {
    const [k] = keys as [string];
    return (scope) => {
      const v = step(scope[root], k);
      return v === MISSING ? null : normalize(v);
    };
  }
  if (keys.length === 2) {
    const [k1, k2] = keys as [string, string];
    return (scope) => {
      const first = step(scope[root], k1);
      if (first === MISSING) return null;
      const v = step(first, k2);
      return v === MISSING ? null : normalize(v);
    };
  }
  return (scope) => {
    let current: unknown = scope[root];
    for (const key of keys) {
      current = step(current, key);
      if (current === MISSING) return null;
    }
    return normalize(current);
  };
}

const MISSING = Symbol('missing');

function compileCompare(
  op: Extract<Condition, { type: 'compare' }>['op'],
  left: Read,
  right: Read,
): CompiledCondition {
  const comparable = (a: unknown, b: unknown) =>
    (typeof a === 'number' && typeof b === 'number') ||
    (typeof a === 'string' && typeof b === 'string');
  switch (op) {
    case '=':
      return (scope) => left(scope) === right(scope);
    case '!=':
      return (scope) => left(scope) !== right(scope);
    case '<':
      return (scope) => {
        const a = left(scope);
        const b = right(scope);
        return comparable(a, b) && (a as number) < (b as number);
      };
    case '<=':
      return (scope) => {
        const a = left(scope);
        const b = right(scope);
        return comparable(a, b) && (a as number) <= (b as number);
      };
    case '>':
      return (scope) => {
        const a = left(scope);
        const b = right(scope);
        return comparable(a, b) && (a as number) > (b as number);
      };
    case '>=':
      return (scope) => {
        const a = left(scope);
        const b = right(scope);
        return comparable(a, b) && (a as number) >= (b as number);
      };
    default:
      return assertNever(op);
  }
}

function normalize(value: unknown): unknown {
  return value === undefined ? null : value;
}

function assertNever(x: never): never {
  throw new Error(`unexpected node ${JSON.stringify(x)}`);
}
