import type { Liquid, Template } from 'liquidjs';
import type { RecommendedItem } from '@tailor/core';
import { LRUCache } from 'lru-cache';
import type { TemplateEngine } from './template-engine.js';

/** What a placement template is rendered with. */
export interface RenderScope {
  profile: Record<string, unknown> | null;
  traits: Record<string, unknown> | undefined;
  computed: Record<string, unknown> | undefined;
  context: Record<string, unknown> | undefined;
  /** The experiment the item runs and the person's variant (and factor levels), when assigned. */
  experiment?: ExperimentScope | undefined;
  /** The recommenders the template reads (`recommendations.NAME`): the person's items, best first. */
  recommendations?: Record<string, readonly RecommendedItem[]> | undefined;
}

/** What a template of an item that runs an experiment reads as `experiment`. */
export interface ExperimentScope {
  name: string;
  variant: string;
  factors?: Record<string, string> | undefined;
}

/**
 * Filters whose output depends on more than the values the analysis finds: the clock (`date` and
 * its `date_to_*` forms read "now"), chance (`sample`), or variables named inside a string
 * (`where_exp` and the other `_exp` filters evaluate an expression given as text). A template
 * using one is rendered every time.
 */
const UNKEYABLE_FILTER = /^(date|date_to_\w+|sample|\w+_exp)$/;
/** What `money` and `local_date` read besides their input: the locale and the time zone. */
const IMPLICIT_READS = [
  ['context', 'locale'],
  ['traits', 'locale'],
  ['context', 'timezone'],
  ['traits', 'timezone'],
];

/** How to key a template's output: the paths it reads from the scope; null when it cannot be kept. */
type Reads = readonly (readonly string[])[] | null;

/**
 * Renders placement templates, keeping recent outputs: a template's output is a function of the
 * values it reads (its variables, found by LiquidJS's static analysis, plus the locale and time
 * zone the filters read), so the same values give the same content without rendering again. Most
 * templates read a few values shared by many people (a first name, a page path, a plan), so most
 * renders are found. Templates with filters that read the clock, chance or an expression in a
 * string are always rendered; a failed render is never kept. Bounded: least recently used outputs are dropped first.
 */
export class RenderMemo {
  private readonly reads = new WeakMap<Template[], { id: number; reads: Reads }>();
  private readonly names = new WeakMap<Template[], Map<string, readonly string[] | 'all'>>();
  private readonly outputs: LRUCache<string, string>;
  private nextId = 0;

  constructor(
    private readonly liquid: TemplateEngine,
    /** Outputs kept, over all templates, and the characters their keys and texts may take in all. */
    limits: { max: number; maxChars: number },
  ) {
    // Bounded by size too: a template that reads a whole object (`{{ traits | json }}`, a computed
    // index) is keyed by all of it. An entry over a sixteenth of the budget is not kept.
    this.outputs = new LRUCache({
      max: limits.max,
      maxSize: limits.maxChars,
      maxEntrySize: Math.ceil(limits.maxChars / 16),
      sizeCalculation: (output, key) => key.length + output.length,
    });
  }

  /**
   * Renders within the template limits, stopping after `renderLimitMs` (a render over a limit
   * throws). `view` names what the scope shows (decide's audiences: all traits, or personal ones
   * masked): outputs are kept per view, so a masked render and a full one never share an output.
   */
  render(template: Template[], scope: RenderScope, renderLimitMs?: number, view = ''): string {
    const { id, reads } = this.readsOf(template);
    if (reads === null) return this.liquid.renderBounded(template, scope, renderLimitMs);
    let key = `${id}\u0000${view}`;
    for (const path of reads) key += keyPart(readFor(scope, path));
    let output = this.outputs.get(key);
    if (output === undefined) {
      output = this.liquid.renderBounded(template, scope, renderLimitMs);
      this.outputs.set(key, output);
    }
    return output;
  }

  /**
   * The names a template reads under a top-level variable (`recommendations.home` → `home`), found
   * by the same static analysis; `all` when it reads the variable whole or by a computed index.
   * Kept per template, so decide asks only for what a template shows.
   */
  namesUnder(template: Template[], root: string): readonly string[] | 'all' {
    let byRoot = this.names.get(template);
    if (byRoot === undefined)
      this.names.set(template, (byRoot = new Map<string, readonly string[] | 'all'>()));
    let names = byRoot.get(root);
    if (names === undefined) {
      names = namesUnder(this.liquid.globalVariableSegmentsSync(template), root);
      byRoot.set(root, names);
    }
    return names;
  }

  private readsOf(template: Template[]): { id: number; reads: Reads } {
    let found = this.reads.get(template);
    if (found === undefined) {
      found = { id: this.nextId++, reads: analyse(this.liquid, template) };
      this.reads.set(template, found);
    }
    return found;
  }
}

function namesUnder(
  variables: readonly (readonly unknown[])[],
  root: string,
): readonly string[] | 'all' {
  const found = new Set<string>();
  for (const segments of variables) {
    if (segments[0] !== root) continue;
    const name = segments[1];
    if (typeof name !== 'string') return 'all';
    found.add(name);
  }
  return [...found];
}

/**
 * A value read, as part of an output's key: its depth, a type tag, and the value, strings with
 * their length (so no two sequences of values make the same key, without escaping anything).
 */
function keyPart([depth, value]: [number, unknown]): string {
  switch (typeof value) {
    case 'string':
      return `|${depth}s${value.length}:${value}`;
    case 'number':
      return `|${depth}n${value}`;
    case 'boolean':
      return `|${depth}${value ? 't' : 'f'}`;
    default: {
      if (value === null) return `|${depth}z`;
      const json = JSON.stringify(value);
      return `|${depth}j${json.length}:${json}`;
    }
  }
}

/** Stands for a value that is not there (JSON would write it as null, which Liquid tells apart). */
const UNDEFINED = '\u0000undefined';
/** What LiquidJS reads on any value without an own property of that name: sizes, ends, indexes from the end. */
const DERIVED = /^(size|first|last|-\d+)$/;

function analyse(liquid: Liquid, template: Template[]): Reads {
  if (usesUnkeyableFilter(template)) return null;
  const reads: string[][] = [];
  for (const segments of liquid.globalVariableSegmentsSync(template)) {
    // A computed index (`traits[context.key]`) reads the whole object before it; the index's own
    // variable is listed on its own.
    const stop = segments.findIndex((s) => typeof s !== 'string' && typeof s !== 'number');
    reads.push((stop === -1 ? segments : segments.slice(0, stop)).map(String));
  }
  return [...reads, ...IMPLICIT_READS];
}

/**
 * Any filter in the template's source (each follows a `|`; a `|` in text or a string may be taken
 * for one, which only costs keeping its output) whose output cannot be keyed (UNKEYABLE_FILTER).
 */
function usesUnkeyableFilter(template: Template[]): boolean {
  const source = template[0]?.token.input ?? ''; // every token holds the whole source
  for (const [, name] of source.matchAll(/\|\s*([A-Za-z_][\w-]*)/g))
    if (name !== undefined && UNKEYABLE_FILTER.test(name)) return true;
  return false;
}

/**
 * What a path's output depends on, as [depth, value]: the value at the end of the path; or, where
 * LiquidJS would compute the rest from what it has reached (a size or an end of an array, string
 * or object, a character of a string, a null or missing value carried through), that value and
 * how deep it is.
 */
function readFor(scope: RenderScope, path: readonly string[]): [number, unknown] {
  let value: unknown = scope;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth] as string;
    if (value === undefined) return [depth, UNDEFINED];
    if (value === null || typeof value !== 'object') return [depth, value];
    if (!Object.hasOwn(value, key))
      return DERIVED.test(key) ? [depth, value] : [path.length, UNDEFINED];
    value = (value as Record<string, unknown>)[key];
  }
  return [path.length, value === undefined ? UNDEFINED : value];
}
