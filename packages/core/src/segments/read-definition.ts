import { err, ok, type Result } from '../result/result.js';
import { traitKindOf } from '../traits/trait-kind.js';
import { MAX_NESTING, treeTooDeep } from './nesting-depth.js';
import {
  conditionFromTree,
  parseComputed,
  parseCondition,
  positioned,
  type ParseOptions,
} from './parse-definition.js';
import { printComputed, printCondition } from './print-definition.js';
import type {
  AggregateNode,
  ComputedNode,
  Condition,
  DefinitionError,
  EventPattern,
  Operand,
} from './segments.schema.js';
import { walkCondition } from './walk-condition.js';

/** What a definition depends on: the index that decides which definitions an event can change. */
export interface References {
  segments: string[];
  computed: string[];
  /** Registry models whose scores it reads (`model.churn.score`). */
  models: string[];
  events: string[];
  /** True when the value can change with time alone (windows, days_since, sequences). */
  timeBased: boolean;
}

/** A segment (or rule) definition given as text or as a JSON tree, in canonical text and tree form. */
export function readCondition(
  input: unknown,
  options: ParseOptions = {},
): Result<{ text: string; tree: Condition }, DefinitionError> {
  const parsed =
    typeof input === 'string' ? parseCondition(input, options) : conditionFromTree(input);
  if (!parsed.ok) return parsed;
  return ok({ text: printCondition(parsed.value), tree: parsed.value });
}

/** A computed trait's definition (an aggregate or a built-in), as text or tree. */
export function readComputed(
  input: unknown,
): Result<{ text: string; tree: ComputedNode }, DefinitionError> {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (treeTooDeep(input))
      return err({
        message: `not a valid definition tree: nested more than ${MAX_NESTING} deep`,
        position: 0,
      });
    try {
      text = printComputed(input as ComputedNode);
    } catch (error) {
      return err({
        message: `not a valid definition tree: ${(error as Error).message}`,
        position: 0,
      });
    }
  }
  const parsed = parseComputed(text);
  if (!parsed.ok) return parsed;
  return ok({ text: printComputed(parsed.value), tree: parsed.value });
}

function isComputedNode(tree: Condition | ComputedNode): tree is ComputedNode {
  return traitKindOf(tree) !== undefined;
}

/** The segments, computed traits and event names a definition reads. */
export function referencesOf(tree: Condition | ComputedNode): References {
  const refs: References = {
    segments: [],
    computed: [],
    models: [],
    events: [],
    timeBased: false,
  };
  const add = (list: string[], name: string) => {
    if (!list.includes(name)) list.push(name);
  };
  const pattern = (p: EventPattern) => {
    add(refs.events, p.event);
    if (p.where) condition(p.where);
  };
  const operand = (o: Operand) => {
    if (o.type === 'path' && o.root === 'computed' && o.path[0] !== undefined)
      add(refs.computed, o.path[0]);
    if (o.type === 'path' && o.root === 'model' && o.path[0] !== undefined)
      add(refs.models, o.path[0]);
    if (o.type === 'aggregate') aggregate(o);
  };
  const aggregate = (a: AggregateNode) => {
    pattern(a.pattern);
    if (a.window !== undefined || a.fn === 'days_since') refs.timeBased = true;
  };
  const condition = (c: Condition): void => {
    walkCondition(c, {
      condition: (n) => {
        if (n.type === 'in_segment') add(refs.segments, n.segment);
        if (n.type === 'sequence') {
          pattern(n.first);
          pattern(n.then);
          refs.timeBased = true;
        }
      },
      operand,
    });
  };
  if (tree.type === 'aggregate') {
    aggregate(tree);
  } else if (isComputedNode(tree)) {
    const kind = traitKindOf(tree);
    if (kind?.rules !== undefined) {
      // Decided by conditions (a stage): it reads what they read.
      for (const c of kind.rules.conditions(tree)) condition(c);
    } else {
      // A built-in kind: fed by its patterns, and changing with time (windows, recency).
      for (const p of kind?.patterns(tree) ?? []) pattern(p);
      refs.timeBased = true;
    }
  } else {
    condition(tree);
  }
  return refs;
}

/**
 * Checks a segment's references against what is defined: unknown segments or computed traits,
 * and cycles through `in_segment`. `segmentRefs` gives each defined segment's own references.
 */
export function checkReferences(
  name: string,
  text: string,
  refs: References,
  defined: { segments: ReadonlyMap<string, References>; computed: ReadonlySet<string> },
): DefinitionError | undefined {
  for (const s of refs.segments) {
    const at = positionOf(text, JSON.stringify(s));
    if (s === name) return positioned(`segment ${name} cannot contain itself`, at);
    if (!defined.segments.has(s)) return positioned(`no segment named ${JSON.stringify(s)}`, at);
  }
  for (const c of refs.computed) {
    if (!defined.computed.has(c))
      return positioned(`no computed trait named ${c}`, positionOf(text, `computed.${c}`));
  }
  // A cycle: following in_segment references from this definition leads back to it.
  const seen = new Set<string>();
  const stack = [...refs.segments];
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
    if (s === name)
      return positioned(`segment ${name} would depend on itself through in_segment`, 0);
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...(defined.segments.get(s)?.segments ?? []));
  }
  return undefined;
}

function positionOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i === -1 ? 0 : i;
}
