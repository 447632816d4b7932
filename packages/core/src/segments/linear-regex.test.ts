import { describe, expect, it } from 'vitest';
import {
  checkRegex,
  linearRegExp,
  MAX_REGEX_INPUT,
  MAX_REGEX_PROGRAM,
  regexInputBound,
  REGEX_STATE_COST,
  REGEX_WORK_BUDGET,
  testRegex,
} from './linear-regex.js';

describe('regular expressions in definitions, on a linear-time engine', () => {
  it('answers patterns that backtrack exponentially in JavaScript, on long values too', () => {
    // JavaScript's engine took 2.7 s for 28 characters here, and doubles with each one more.
    expect(testRegex('^(a+)+$', '', `${'a'.repeat(40)}!`)).toBe(false);
    expect(testRegex('^(a+)+$', '', 'a'.repeat(5_000))).toBe(true);
    expect(testRegex('^(a|aa)*b$', '', `${'a'.repeat(4_000)}c`)).toBe(false);
    expect(testRegex('(x+x+)+y', '', 'x'.repeat(5_000))).toBe(false);
  });

  it('matches as JavaScript does for the patterns people write, with the i, m and s flags', () => {
    const cases: [string, string, string, boolean][] = [
      ['@acme\\.com$', 'i', 'Ann@ACME.com', true],
      ['@acme\\.com$', '', 'Ann@ACME.com', false],
      ['^/products/[0-9]+$', '', '/products/123', true],
      ['^b$', 'm', 'a\nb\nc', true],
      ['^b$', '', 'a\nb\nc', false],
      ['a.b', 's', 'a\nb', true],
      ['a.b', '', 'a\nb', false],
      ['caf\\u00e9', '', 'café', true],
      ['(?<year>\\d{4})-\\d{2}', '', 'on 2026-11', true],
      ['a\\/b', 'g', 'x/a/b', true],
    ];
    for (const [pattern, flags, value, expected] of cases) {
      expect(
        testRegex(pattern, flags, value),
        `/${pattern}/${flags} on ${JSON.stringify(value)}`,
      ).toBe(expected);
      expect(new RegExp(pattern, flags.replace('g', '')).test(value)).toBe(expected);
    }
  });

  it(`does not match a value past its pattern's bound, ${MAX_REGEX_INPUT} characters at most`, () => {
    // The budget over (instructions + the per-character state cost): 5,660 for a one-letter pattern.
    const bound = regexInputBound('a', '') ?? 0;
    expect(bound).toBe(Math.floor(REGEX_WORK_BUDGET / (3 + REGEX_STATE_COST)));
    expect(testRegex('a', '', 'a'.repeat(bound))).toBe(true);
    expect(testRegex('a', '', 'a'.repeat(bound + 1))).toBe(false);
    expect(testRegex('a', '', 'a'.repeat(MAX_REGEX_INPUT + 1))).toBe(false);
    expect(regexInputBound('(a)\\1', '')).toBeUndefined();
  });

  it('names what RE2 cannot run: backreferences and lookaround; a stored one matches nothing', () => {
    expect(checkRegex('^(a+)+$', '')).toBeUndefined();
    expect(checkRegex('(a)\\1', '')).toMatch(
      /^unsupported regular expression: invalid escape sequence: `\\1`; .*without backreferences or lookaround/,
    );
    expect(checkRegex('a(?=b)', '')).toMatch(/unsupported Perl syntax: `\(\?=`/);
    expect(checkRegex('a(?!b)', '')).toMatch(/unsupported Perl syntax: `\(\?!`/);
    expect(checkRegex('(?<=a)b', '')).toMatch(/^unsupported regular expression/);
    expect(testRegex('(a)\\1', '', 'aa')).toBe(false);
  });

  it(`refuses patterns whose program is over ${MAX_REGEX_PROGRAM} instructions, and bounds values by the pattern's size`, () => {
    // 90 characters, 16,005 instructions: 3.6 s on a value of 10,000 characters, linear or not.
    const huge =
      '(?:a{0,1000}){0,1}(?:a{0,1000})a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}a{0,1000}(b|!)';
    expect(checkRegex(huge, '')).toMatch(
      /^regular expression too large: 16005 instructions once compiled, at most 1000/,
    );
    expect(checkRegex('a{0,1000}', '')).toMatch(/too large: 2002 instructions/);
    expect(testRegex(huge, '', `${'a'.repeat(9_999)}!`)).toBe(false); // stored before: matches nothing
    expect(() => linearRegExp(huge, '')).toThrow(/too large/); // a tracking plan's is refused
    // 803 instructions: values up to 351 characters (the budget over 803 + 50).
    expect(regexInputBound('a{0,400}b', '')).toBe(351);
    expect(testRegex('a{0,400}b', '', `${'c'.repeat(350)}b`)).toBe(true);
    expect(testRegex('a{0,400}b', '', `${'c'.repeat(351)}b`)).toBe(false);
    expect(linearRegExp('a{0,400}b', '').test(`${'c'.repeat(351)}b`)).toBe(false);
    // A long source is refused before it is compiled (compiling costs ~1 us an instruction).
    expect(checkRegex('a'.repeat(1_001), '')).toMatch(
      /^regular expression too long: 1001 characters/,
    );
    // The shapes people write stay small and run on the longest values.
    for (const pattern of [
      '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$',
      '[a-z]{2,64}\\.(com|org)$',
    ]) {
      expect(checkRegex(pattern, 'i')).toBeUndefined();
      expect(testRegex(pattern, 'i', `${'x'.repeat(1_000)}@example.com`)).toBe(true);
    }
  });
});
