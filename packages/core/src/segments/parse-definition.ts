import peggy from 'peggy';
import { err, ok, type Result } from '../result/result.js';
import { printCondition } from './print-definition.js';
import { SEGMENT_GRAMMAR } from './segment-grammar.js';
import { DEFAULT_RECENCY, type ComputedNode, type EngagementNode, type Condition, type DefinitionError } from './segments.schema.js';

let parser: peggy.Parser | undefined;

/** The generated parser, built once on first use. */
function segmentParser(): peggy.Parser {
  parser ??= peggy.generate(SEGMENT_GRAMMAR, { allowedStartRules: ['Definition', 'ComputedDefinition'] });
  return parser;
}

/** Parses a segment or rule condition: `traits.plan = "pro" and count("Order Completed", 30d) >= 2`. */
export function parseCondition(text: string): Result<Condition, DefinitionError> {
  return parse<Condition>(text, 'Definition');
}

/** Parses a computed trait: `sum("Order Completed".revenue, 30d)`, `rfm(...)`, `engagement(...)`. */
export function parseComputed(text: string): Result<ComputedNode, DefinitionError> {
  const parsed = parse<ComputedNode>(text, 'ComputedDefinition');
  // The grammar leaves `recency` out when the text does; the tree always has it.
  const node = parsed.ok ? (parsed.value as { type: string; recency?: EngagementNode['recency'] }) : undefined;
  if (node?.type === 'engagement' && node.recency === undefined) {
    node.recency = DEFAULT_RECENCY.map((r) => ({ window: { ...r.window }, weight: r.weight }));
  }
  return parsed;
}

function parse<T>(text: string, startRule: string): Result<T, DefinitionError> {
  const generated = segmentParser();
  try {
    return ok(generated.parse(text, { startRule }) as T);
  } catch (error) {
    if (error instanceof generated.SyntaxError) {
      const position = error.location.start.offset;
      return err({ message: `${error.message} (at offset ${position})`, position }); // 0-based, as the field
    }
    throw error;
  }
}

/**
 * Accepts a definition given as a JSON tree: it must print as text that parses; the parsed tree is
 * returned (so stray fields are dropped and every stored definition has one canonical form).
 */
export function conditionFromTree(tree: unknown): Result<Condition, DefinitionError> {
  let text: string;
  try {
    text = printCondition(tree as Condition);
  } catch (error) {
    return err({ message: `not a valid definition tree: ${(error as Error).message}`, position: 0 });
  }
  const parsed = parseCondition(text);
  return parsed.ok ? parsed : err({ message: `not a valid definition tree: it prints as ${text}, which does not parse: ${parsed.error.message}`, position: 0 });
}
