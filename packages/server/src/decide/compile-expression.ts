import {
  TypeGuards,
  toValue,
  toValueSync,
  Context,
  type Filter,
  type Scope,
  type Token,
  type Value,
} from 'liquidjs';

/** A compiled expression: its value in a context, as LiquidJS would evaluate it there. */
export type Evaluate = (context: Context) => unknown;
type ApplyFilter = (value: unknown, context: Context) => unknown;

/** The parts of LiquidJS's classes read here that its types keep private. */
interface FilterParts {
  handler: (this: unknown, ...args: unknown[]) => unknown;
  args: (Token | [string, Token])[];
  token: unknown;
  liquid: unknown;
}
interface ContextParts {
  findScope(key: unknown): Scope;
}
/** Whether this LiquidJS has the parts read here (a later one may not: then LiquidJS renders all). */
const FINDS_SCOPE =
  typeof (Context.prototype as unknown as Partial<ContextParts>).findScope === 'function';

/** A value and its filters, the escaping filter the engine adds to outputs included. */
export function compileValue(value: Value): Evaluate | null {
  const initial = compileExpression(value.initial.postfix);
  const filters: ApplyFilter[] = [];
  for (const filter of value.filters) {
    const compiled = compileFilter(filter);
    if (compiled === null) return null;
    filters.push(compiled);
  }
  if (initial === null) return null;
  if (filters.length === 0) return initial;
  return (context) => {
    let result = initial(context);
    for (const filter of filters) result = filter(result, context);
    return result;
  };
}

/** A filter called as LiquidJS calls it: `this` holds the context, its arguments evaluated in order. */
function compileFilter(filter: Filter): ApplyFilter | null {
  const { handler, args, token, liquid } = filter as unknown as FilterParts;
  if (typeof handler !== 'function' || !Array.isArray(args)) return null; // as FINDS_SCOPE
  const compiled: (Evaluate | [string, Evaluate])[] = [];
  for (const arg of args) {
    const evaluate = compileToken(Array.isArray(arg) ? arg[1] : arg);
    if (evaluate === null) return null;
    compiled.push(Array.isArray(arg) ? [arg[0], evaluate] : evaluate);
  }
  return (value, context) => {
    const argv: unknown[] = [value];
    for (const arg of compiled)
      argv.push(typeof arg === 'function' ? arg(context) : [arg[0], arg[1](context)]);
    return toValueSync(handler.apply({ context, token, liquid }, argv));
  };
}

/** An expression in postfix order, its operators LiquidJS's (`not` the only unary one). */
function compileExpression(postfix: readonly Token[]): Evaluate | null {
  const [only] = postfix;
  if (postfix.length === 1 && only !== undefined && !TypeGuards.isOperatorToken(only))
    return compileToken(only);
  const steps: (Evaluate | string)[] = [];
  for (const token of postfix) {
    const step = TypeGuards.isOperatorToken(token) ? token.operator : compileToken(token);
    if (step === null) return null;
    steps.push(step);
  }
  return (context) => {
    const operands: unknown[] = [];
    for (const step of steps) {
      if (typeof step !== 'string') {
        operands.push(step(context));
        continue;
      }
      const operator = context.opts.operators[step] as (...args: unknown[]) => unknown;
      const right = operands.pop();
      const result =
        step === 'not' ? operator(right, context) : operator(operands.pop(), right, context);
      operands.push(toValueSync(result));
    }
    return operands[0];
  };
}

/** A token's value as `evalToken` gives it (drops kept). */
export function compileToken(token: Token | undefined): Evaluate | null {
  if (token === undefined) return () => undefined;
  if ('content' in token) {
    const { content } = token as { content: unknown };
    return () => content;
  }
  if (TypeGuards.isPropertyAccessToken(token)) return compileAccess(token);
  if (TypeGuards.isRangeToken(token)) {
    const low = compileToken(token.lhs);
    const high = compileToken(token.rhs);
    if (low === null || high === null) return null;
    return (context) => {
      const from = Number(toValue(low(context)));
      const to = Number(toValue(high(context)));
      context.memoryLimit.use(to - from + 1);
      const list: number[] = [];
      for (let i = from; i < to + 1; i++) list.push(i);
      return list;
    };
  }
  return null;
}

/** A variable and its properties, read through the context as LiquidJS reads them. */
function compileAccess(token: Token & { variable?: Token; props: Token[] }): Evaluate | null {
  const props: Evaluate[] = [];
  for (const prop of token.props) {
    const evaluate = compileToken(prop);
    if (evaluate === null) return null;
    props.push(evaluate);
  }
  const variable = token.variable === undefined ? undefined : compileToken(token.variable);
  if (variable === null || !FINDS_SCOPE) return null;
  // Names and numbers (`a.b[0]`), the usual case, are read once here.
  const literal = token.props.every((prop) => 'content' in prop);
  const keys = literal
    ? token.props.map((prop): unknown => toValue((prop as unknown as { content: unknown }).content))
    : [];
  return (context) => {
    const path = literal ? keys : props.map((prop): unknown => toValue(prop(context)));
    let value: unknown =
      variable === undefined
        ? (context as unknown as ContextParts).findScope(path[0])
        : variable(context);
    for (const key of path) value = context.readProperty(value as Scope, key as string);
    return value;
  };
}
