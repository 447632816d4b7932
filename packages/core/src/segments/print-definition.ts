import type {
  AggregateNode,
  ComputedNode,
  Condition,
  Duration,
  EventPattern,
  Operand,
  PathNode,
  Scalar,
} from './segments.schema.js';
import { traitKindOf } from '../traits/trait-kind.js';

/** Prints a condition tree as text that parses back to the same tree. */
export function printCondition(c: Condition): string {
  switch (c.type) {
    case 'and':
    case 'or':
      return c.children
        .map((child) => wrap(child, precedence(c) >= precedence(child)))
        .join(` ${c.type} `);
    case 'not':
      return `not ${wrap(c.child, precedence(c.child) < precedence(c))}`;
    case 'compare':
      return `${printOperand(c.left)} ${c.op} ${printOperand(c.right)}`;
    case 'in':
      return `${printOperand(c.value)} in [${c.list.map(printScalar).join(', ')}]`;
    case 'contains':
      return `${printOperand(c.value)} contains ${printOperand(c.search)}`;
    case 'starts_with':
      return `${printOperand(c.value)} starts_with ${printOperand(c.prefix)}`;
    case 'matches':
      return `${printOperand(c.value)} matches /${c.pattern}/${c.flags}`;
    case 'exists':
      return `${printPath(c.value)} exists`;
    case 'boolean':
      return String(c.value);
    case 'in_segment':
      return `in_segment(${JSON.stringify(c.segment)})`;
    case 'in_cluster':
      return `in_cluster(${JSON.stringify(c.clustering)}, ${JSON.stringify(c.persona)})`;
    case 'sequence':
      return `${printPattern(c.first)} then ${c.negated ? 'not ' : ''}${printPattern(c.then)} within ${printDuration(c.within)}`;
    default:
      return assertNever(c);
  }
}

/** Prints a computed trait's definition: an aggregate, or a built-in by its kind. */
export function printComputed(c: ComputedNode): string {
  if (c.type === 'aggregate') return printAggregate(c);
  const kind = traitKindOf(c);
  if (kind === undefined) throw new Error(`no computed-trait kind ${c.type}`);
  return kind.print(c);
}

/** Prints an event aggregate. */
export function printAggregate(a: AggregateNode): string {
  const target = a.property
    ? `${JSON.stringify(a.pattern.event)}.${a.property.map(printSegment).join('.')}`
    : JSON.stringify(a.pattern.event);
  const where = a.pattern.where ? ` where ${printCondition(a.pattern.where)}` : '';
  const window = a.window ? `, ${printDuration(a.window)}` : '';
  return `${a.fn}(${target}${where}${window})`;
}

function printOperand(o: Operand): string {
  switch (o.type) {
    case 'path':
      return printPath(o);
    case 'literal':
      return printScalar(o.value);
    case 'aggregate':
      return printAggregate(o);
    default:
      return assertNever(o);
  }
}

export function printPattern(p: EventPattern): string {
  return p.where
    ? `${JSON.stringify(p.event)} where ${printCondition(p.where)}`
    : JSON.stringify(p.event);
}

function printPath(p: PathNode): string {
  return [p.root, ...p.path.map(printSegment)].join('.');
}

const BARE_SEGMENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
export function printSegment(s: string): string {
  return BARE_SEGMENT.test(s) ? s : JSON.stringify(s);
}

export function printScalar(v: Scalar): string {
  if (typeof v === 'number' && !Number.isFinite(v))
    throw new Error(`${v} is not a number the language can write`);
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function printDuration(d: Duration): string {
  return `${d.amount}${d.unit}`;
}

function wrap(c: Condition, parens: boolean): string {
  const text = printCondition(c);
  return parens ? `(${text})` : text;
}

/** Binding strength: or < and < not < everything else. */
function precedence(c: Condition): number {
  return c.type === 'or' ? 1 : c.type === 'and' ? 2 : c.type === 'not' ? 3 : 4;
}

function assertNever(x: never): never {
  throw new Error(`unexpected node ${JSON.stringify(x)}`);
}
