import { describe, expect, it } from 'vitest';
import { checkRegex, MAX_REGEX_INPUT, testRegex } from './linear-regex.js';

describe('regular expressions in definitions, on a linear-time engine', () => {
  it('answers patterns that backtrack exponentially in JavaScript, on long values too', () => {
    // JavaScript's engine took 2.7 s for 28 characters here, and doubles with each one more.
    expect(testRegex('^(a+)+$', '', `${'a'.repeat(40)}!`)).toBe(false);
    expect(testRegex('^(a+)+$', '', 'a'.repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(testRegex('^(a|aa)*b$', '', `${'a'.repeat(MAX_REGEX_INPUT - 1)}c`)).toBe(false);
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

  it(`does not match a value longer than ${MAX_REGEX_INPUT} characters`, () => {
    expect(testRegex('a', '', 'a'.repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(testRegex('a', '', 'a'.repeat(MAX_REGEX_INPUT + 1))).toBe(false);
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
});
