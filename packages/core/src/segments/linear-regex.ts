import { RE2JS } from 're2js';

/**
 * The longest value (in UTF-16 code units) `matches` runs on: a longer value does not match. With
 * a linear-time engine the cost is proportional to the value, about 1 ms at this length.
 */
export const MAX_REGEX_INPUT = 10_000;

/**
 * The largest pattern RE2 runs here, in instructions of its compiled program: counted repetitions
 * are copies (`a{0,1000}` alone is about 1,000), so a short pattern can be a large program, and
 * the engine's time grows with the program as with the value (a 90-character pattern of 16,005
 * instructions took 3.6 s on 10,000 characters). Larger patterns are refused when saved.
 */
export const MAX_REGEX_PROGRAM = 1000;

/**
 * What one match may cost, in characters times (instructions + REGEX_STATE_COST): a value longer
 * than this over the pattern's weight (and than MAX_REGEX_INPUT) does not match. Two costs add up
 * per character: the program's instructions (~100 ns each on a pattern's first runs, 0.1 ms for
 * a whole match once its DFA states are cached), and a new DFA state on input made to need one at
 * every step (~5 us, whatever the size: `(?:a|b)*a(?:a|b){14}$`, 20 instructions, took 60-90 ms
 * on 10,000 random a/b). At this budget the slowest shapes measured took 15-25 ms; an email shape
 * (13 instructions) runs on values up to 4,761 characters.
 */
export const REGEX_WORK_BUDGET = 300_000;

/** The fixed cost of a character in instructions' worth: the DFA state it may need (see above). */
export const REGEX_STATE_COST = 50;

/** The longest pattern source compiled: compiling costs about 1 us per instruction, up to a second. */
export const MAX_REGEX_SOURCE = 1000;

/**
 * Regular expressions in definitions (`matches /re/flags`) run on RE2 (its JavaScript port,
 * re2js), whose time is linear in the value's length whatever the pattern: JavaScript's engine
 * backtracks, and `^(a+)+$` on 28 characters took it seconds. RE2 has no backreferences and no
 * lookaround, so patterns using them are refused when a definition is saved, as are patterns whose
 * compiled program is over MAX_REGEX_PROGRAM; a value past the pattern's share of
 * REGEX_WORK_BUDGET does not match.
 *
 * Flags: `i`, `m` and `s` as in JavaScript; `d`, `g`, `u` and `y` change nothing in a test.
 */
export function testRegex(pattern: string, flags: string, value: string): boolean {
  if (value.length > MAX_REGEX_INPUT) return false;
  const re = compiled(pattern, flags);
  return re !== null && value.length <= re.maxInput && re.engine.test(value);
}

/** The longest value a pattern is run on (longer ones do not match); undefined for one refused. */
export function regexInputBound(pattern: string, flags: string): number | undefined {
  return compiled(pattern, flags)?.maxInput;
}

/** What RE2 cannot run in a pattern, as a sentence; undefined when it can. */
export function checkRegex(pattern: string, flags: string): string | undefined {
  try {
    compile(pattern, flags);
    return undefined;
  } catch (error) {
    if (error instanceof PatternTooLarge) return error.message;
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `unsupported regular expression: ${detail}; patterns run on a linear-time engine (RE2), without backreferences or lookaround`;
  }
}

class PatternTooLarge extends Error {}

/** A compiled pattern and the longest value it runs on within the work budget. */
interface Compiled {
  engine: RE2JS;
  maxInput: number;
}

/** Compiles for RE2; throws for a pattern it cannot run or one over MAX_REGEX_PROGRAM. */
function compile(pattern: string, flags: string): Compiled {
  let options = 0;
  if (flags.includes('i')) options |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) options |= RE2JS.MULTILINE;
  if (flags.includes('s')) options |= RE2JS.DOTALL;
  if (pattern.length > MAX_REGEX_SOURCE)
    throw new PatternTooLarge(
      `regular expression too long: ${String(pattern.length)} characters, at most ${String(MAX_REGEX_SOURCE)}`,
    );
  const engine = RE2JS.compile(RE2JS.translateRegExp(pattern), options);
  const size = programSize(engine);
  if (size > MAX_REGEX_PROGRAM)
    throw new PatternTooLarge(
      `regular expression too large: ${String(size)} instructions once compiled, at most ${String(MAX_REGEX_PROGRAM)} (each counted repetition such as {0,100} is that many copies)`,
    );
  return {
    engine,
    maxInput: Math.min(MAX_REGEX_INPUT, Math.floor(REGEX_WORK_BUDGET / (size + REGEX_STATE_COST))),
  };
}

/** The instructions of RE2's compiled program (re2js keeps it on the compiled pattern). */
function programSize(engine: RE2JS): number {
  const program = (engine as unknown as { re2Input?: { prog?: { numInst?: () => number } } })
    .re2Input?.prog;
  const size = program?.numInst?.();
  if (typeof size !== 'number') throw new Error('re2js: no compiled program to measure');
  return size;
}

/** Compiled patterns, bounded; null for one RE2 cannot run (saved before patterns were checked): it matches nothing. */
const cache = new Map<string, Compiled | null>();
function compiled(pattern: string, flags: string): Compiled | null {
  const key = `${flags}/${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    try {
      re = compile(pattern, flags);
    } catch {
      re = null;
    }
    if (cache.size >= 1000) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/**
 * The same engine for Ajv (`code.regExp`), so the `pattern` and `patternProperties` of tracking
 * plans run in linear time too; a pattern RE2 cannot run, or one over MAX_REGEX_PROGRAM, makes the
 * schema fail to compile, and a value past the pattern's bound does not match (a violation).
 */
export const linearRegExp = Object.assign(
  (pattern: string, flags: string): { test(value: string): boolean; toString(): string } => {
    const { engine, maxInput } = compile(pattern, flags);
    // Ajv keys the patterns it holds by toString(): a plain object's `[object Object]` made every
    // plan after the first one compiled check its patterns with that first one's.
    return {
      test: (value) => value.length <= maxInput && engine.test(value),
      toString: () => `/${pattern}/${flags}`,
    };
  },
  { code: 'linearRegExp' },
);
