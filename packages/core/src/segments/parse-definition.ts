import { err, ok, type Result } from '../result/result.js';
import { traitKindOf } from '../traits/trait-kind.js';
import { checkRegex } from './linear-regex.js';
import { findTooDeep, MAX_NESTING, treeTooDeep } from './nesting-depth.js';
import { printCondition } from './print-definition.js';
// Generated from segment-grammar.peggy at build time (npm run build:grammar): no code is compiled at run time.
import * as generated from './segment-parser.generated.js';
import { type ComputedNode, type Condition, type DefinitionError } from './segments.schema.js';

/** What the generated parser exports (its source is not type-checked). */
interface SegmentParser {
  parse(
    text: string,
    options: { startRule: string; checkRegex: typeof checkRegex | undefined },
  ): unknown;
  SyntaxError: new (...args: never[]) => Error & { location: { start: { offset: number } } };
}
const segmentParser = generated as unknown as SegmentParser;

/** How a text is read. */
export interface ParseOptions {
  /**
   * The text was accepted when it was saved (a placement's rule, an experiment's audience, read
   * again at start): its patterns are not held to RE2 again, so one saved before they were loads,
   * and matches nothing.
   */
  stored?: boolean;
}

/** Parses a segment or rule condition: `traits.plan = "pro" and count("Order Completed", 30d) >= 2`. */
export function parseCondition(
  text: string,
  options: ParseOptions = {},
): Result<Condition, DefinitionError> {
  return parse<Condition>(text, 'Definition', options);
}

/** Parses a computed trait: `sum("Order Completed".revenue, 30d)`, `rfm(...)`, `engagement(...)`, `stage(...)`. */
export function parseComputed(text: string): Result<ComputedNode, DefinitionError> {
  const parsed = parse<ComputedNode>(text, 'ComputedDefinition', {});
  if (!parsed.ok || parsed.value.type === 'aggregate') return parsed;
  const kind = traitKindOf(parsed.value);
  if (kind?.normalize === undefined) return parsed;
  try {
    return ok(kind.normalize(parsed.value) as ComputedNode);
  } catch (error) {
    // A check the grammar cannot make (a stage named twice).
    return err(positioned((error as Error).message, 0));
  }
}

function parse<T>(
  text: string,
  startRule: string,
  options: ParseOptions,
): Result<T, DefinitionError> {
  const tooDeep = findTooDeep(text);
  if (tooDeep !== undefined)
    return err(
      positioned(
        `nested more than ${MAX_NESTING} deep (parentheses, not and where count as levels)`,
        tooDeep,
      ),
    );
  try {
    return ok(
      segmentParser.parse(text, {
        startRule,
        checkRegex: options.stored === true ? undefined : checkRegex,
      }) as T,
    );
  } catch (error) {
    if (error instanceof segmentParser.SyntaxError) {
      const position = error.location.start.offset;
      return err(positioned(error.message, position));
    }
    throw error;
  }
}

/** A definition error at a character offset: 0-based, in the message as in the field. */
export function positioned(message: string, position: number): DefinitionError {
  return { message: `${message} (at offset ${position})`, position };
}

/**
 * Accepts a definition given as a JSON tree: it must print as text that parses; the parsed tree is
 * returned (so stray fields are dropped and every stored definition has one canonical form).
 */
export function conditionFromTree(tree: unknown): Result<Condition, DefinitionError> {
  if (treeTooDeep(tree))
    return err({
      message: `not a valid definition tree: nested more than ${MAX_NESTING} deep`,
      position: 0,
    });
  let text: string;
  try {
    text = printCondition(tree as Condition);
  } catch (error) {
    return err({
      message: `not a valid definition tree: ${(error as Error).message}`,
      position: 0,
    });
  }
  const parsed = parseCondition(text);
  return parsed.ok
    ? parsed
    : err({
        message: `not a valid definition tree: it prints as ${text}, which does not parse: ${parsed.error.message}`,
        position: 0,
      });
}
