import {
  AssignTag,
  CommentTag,
  Drop,
  ForTag,
  IfTag,
  InlineCommentTag,
  Output,
  TypeGuards,
  UnlessTag,
  isTruthy,
  toValue,
  type Context,
  type Emitter,
  type Scope,
  type Template,
  type Value,
} from 'liquidjs';
import { compileToken, compileValue, type Evaluate } from './compile-expression.js';

/**
 * A parsed template as plain functions: renders what LiquidJS would, into `emitter`, with
 * `context`'s scope and limits.
 */
export type CompiledTemplate = (context: Context, emitter: Emitter) => void;

type Render = CompiledTemplate;

/**
 * Compiles the templates most placements are made of, for rendering without LiquidJS's
 * generators. LiquidJS renders through a generator per node, expression, variable and filter: a
 * 20-link list allocates about 0.2 MB per render, which at decide's rate is most of what the
 * request thread allocates and so most of its garbage-collection pauses. The functions made here
 * do the same steps with LiquidJS's own parts (its scopes and property reads, filters, operators,
 * truthiness and limits), in the same order, so they render the same text and raise at the same
 * limits. Only text, outputs, `if`, `unless`, `for` (with `else`, `forloop`, and literal `limit`,
 * `offset` and `reversed`), `assign` and comments are compiled; a template with anything else
 * (or an engine option that changes these steps) gives null, and LiquidJS renders it.
 */
export function compileTemplate(
  templates: readonly Template[],
  options: { strictVariables: boolean; orderedFilterParameters?: boolean | undefined },
): CompiledTemplate | null {
  if (options.strictVariables) return null;
  return compileTemplates(templates, options.orderedFilterParameters === true);
}

/** As `renderTemplates`: the time checked before the list and before each of its templates. */
function compileTemplates(templates: readonly Template[], ordered: boolean): Render | null {
  const renders: Render[] = [];
  for (const template of templates) {
    const render = compileNode(template, ordered);
    if (render === null) return null;
    renders.push(render);
  }
  return (context, emitter) => {
    context.renderLimit.check(performance.now());
    for (const render of renders) {
      context.renderLimit.check(performance.now());
      render(context, emitter);
    }
  };
}

function compileNode(template: Template, ordered: boolean): Render | null {
  // Exactly LiquidJS's classes: a tag registered over one of them renders its own way.
  const kind = template.constructor;
  if (template instanceof Output && kind === Output) {
    const value = compileValue(template.value);
    return (
      value &&
      ((context, emitter) => {
        emitter.write(toValue(value(context)));
      })
    );
  }
  const text = (template as { str?: unknown }).str;
  if (TypeGuards.isHTMLToken(template.token) && typeof text === 'string')
    return (_context, emitter) => {
      emitter.write(text);
    };
  if (kind === CommentTag || kind === InlineCommentTag) return () => undefined;
  if (template instanceof AssignTag && kind === AssignTag) return compileAssign(template);
  if (template instanceof IfTag && kind === IfTag) return compileIf(template, ordered);
  if (template instanceof UnlessTag && kind === UnlessTag) return compileUnless(template, ordered);
  if (template instanceof ForTag && kind === ForTag) return compileFor(template, ordered);
  return null;
}

function compileAssign(tag: AssignTag): Render | null {
  const { key } = tag as unknown as { key: string };
  const value = compileValue((tag as unknown as { value: Value }).value);
  return (
    value &&
    ((context) => {
      context.bottom()[key] = value(context);
    })
  );
}

function compileIf(tag: IfTag, ordered: boolean): Render | null {
  const branches = compileBranches(
    tag.branches.map((branch) => ({ ...branch, test: isTruthy })),
    ordered,
  );
  const otherwise = compileTemplates(tag.elseTemplates ?? [], ordered);
  return branches && otherwise && chooseBranch(branches, otherwise);
}

function compileUnless(tag: UnlessTag, ordered: boolean): Render | null {
  const branches = compileBranches(tag.branches, ordered);
  const otherwise = compileTemplates(tag.elseTemplates, ordered);
  return branches && otherwise && chooseBranch(branches, otherwise);
}

interface Branch {
  value: Evaluate;
  test: (value: unknown, context: Context) => boolean;
  render: Render;
}

function compileBranches(
  branches: readonly {
    value: Value;
    test: (value: unknown, context: Context) => boolean;
    templates: Template[];
  }[],
  ordered: boolean,
): Branch[] | null {
  const compiled: Branch[] = [];
  for (const { value, test, templates } of branches) {
    const evaluate = compileValue(value);
    const render = compileTemplates(templates, ordered);
    if (evaluate === null || render === null) return null;
    compiled.push({ value: evaluate, test, render });
  }
  return compiled;
}

/** The first branch whose test its value passes renders, else the `else` templates. */
function chooseBranch(branches: readonly Branch[], otherwise: Render): Render {
  return (context, emitter) => {
    for (const { value, test, render } of branches) {
      if (test(toValue(value(context)), context)) {
        render(context, emitter);
        return;
      }
    }
    otherwise(context, emitter);
  };
}

const MODIFIERS = ['offset', 'limit', 'reversed'] as const;

/** `for`, when its modifiers (`limit`, `offset`, `reversed`) are literals. */
function compileFor(tag: ForTag, ordered: boolean): Render | null {
  const collection = compileToken(tag.collection);
  const body = compileTemplates(tag.templates, ordered);
  const otherwise = compileTemplates(tag.elseTemplates, ordered);
  if (collection === null || body === null || otherwise === null) return null;
  const hash: Record<string, unknown> = {};
  for (const [name, token] of Object.entries(tag.hash.hash)) {
    if (token !== undefined && !('content' in token)) return null; // e.g. `offset: continue`
    hash[name] = token === undefined ? true : token.content;
  }
  const modifiers = ordered
    ? Object.keys(hash).filter((name) => (MODIFIERS as readonly string[]).includes(name))
    : MODIFIERS.filter((name) => hash[name] !== undefined);
  const name = tag.collection.getText();
  const variable = tag.variable;
  return (context, emitter) => {
    let items = toEnumerable(collection(context));
    if (items.length === 0) {
      otherwise(context, emitter);
      return;
    }
    for (const modifier of modifiers) {
      if (modifier === 'offset') items = items.slice(hash.offset as number);
      else if (modifier === 'limit') items = items.slice(0, hash.limit as number);
      else items = [...items].reverse();
    }
    const scope: Scope = Object.create(null) as Scope;
    scope.forloop = new Forloop(items.length, name, variable);
    context.push(scope);
    for (const item of items) {
      scope[variable] = item;
      body(context, emitter);
      (scope.forloop as Forloop).next();
    }
    context.pop();
  };
}

/** What a loop's body reads as `forloop`: LiquidJS's own, field for field (`{{ forloop }}` writes them). */
class Forloop extends Drop {
  i: number;
  length: number;
  name: string;
  constructor(length: number, collection: string, variable: string) {
    super();
    this.i = 0;
    this.length = length;
    this.name = `${variable}-${collection}`;
  }
  next() {
    this.i++;
  }
  index0() {
    return this.i;
  }
  index() {
    return this.i + 1;
  }
  first() {
    return this.i === 0;
  }
  last() {
    return this.i === this.length - 1;
  }
  rindex() {
    return this.length - this.i;
  }
  rindex0() {
    return this.length - this.i - 1;
  }
  override valueOf() {
    return JSON.stringify(this);
  }
}

/** What `for` loops over, as LiquidJS makes it. */
function toEnumerable(value: unknown): unknown[] {
  const v: unknown = toValue(value);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.length > 0 ? [v] : [];
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return [];
  if (Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
  return Object.keys(v).map((key) => [key, (v as Record<string, unknown>)[key]]);
}
