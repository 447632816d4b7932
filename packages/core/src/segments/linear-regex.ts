import { RE2JS } from 're2js';

/**
 * The longest value (in UTF-16 code units) `matches` runs on: a longer value does not match. With
 * a linear-time engine the cost is proportional to the value, about 1 ms at this length.
 */
export const MAX_REGEX_INPUT = 10_000;

/**
 * Regular expressions in definitions (`matches /re/flags`) run on RE2 (its JavaScript port,
 * re2js), whose time is linear in the value's length whatever the pattern: JavaScript's engine
 * backtracks, and `^(a+)+$` on 28 characters took it seconds. RE2 has no backreferences and no
 * lookaround, so patterns using them are refused when a definition is saved.
 *
 * Flags: `i`, `m` and `s` as in JavaScript; `d`, `g`, `u` and `y` change nothing in a test.
 */
export function testRegex(pattern: string, flags: string, value: string): boolean {
  if (value.length > MAX_REGEX_INPUT) return false;
  const re = compiled(pattern, flags);
  return re !== null && re.test(value);
}

/** What RE2 cannot run in a pattern, as a sentence; undefined when it can. */
export function checkRegex(pattern: string, flags: string): string | undefined {
  try {
    compile(pattern, flags);
    return undefined;
  } catch (error) {
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    return `unsupported regular expression: ${detail}; patterns run on a linear-time engine (RE2), without backreferences or lookaround`;
  }
}

function compile(pattern: string, flags: string): RE2JS {
  let options = 0;
  if (flags.includes('i')) options |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) options |= RE2JS.MULTILINE;
  if (flags.includes('s')) options |= RE2JS.DOTALL;
  return RE2JS.compile(RE2JS.translateRegExp(pattern), options);
}

/** Compiled patterns, bounded; null for one RE2 cannot run (saved before patterns were checked): it matches nothing. */
const cache = new Map<string, RE2JS | null>();
function compiled(pattern: string, flags: string): RE2JS | null {
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
 * plans run in linear time too; a pattern RE2 cannot run makes the schema fail to compile, and a
 * value longer than MAX_REGEX_INPUT does not match (a violation).
 */
export const linearRegExp = Object.assign(
  (pattern: string, flags: string): { test(value: string): boolean } => {
    const re = compile(pattern, flags);
    return { test: (value) => value.length <= MAX_REGEX_INPUT && re.test(value) };
  },
  { code: 'linearRegExp' },
);
