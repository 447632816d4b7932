import { describe, expect, it } from 'vitest';
import { findNonFinite } from './find-non-finite.js';

describe('findNonFinite', () => {
  it.each([
    [
      'a finite message',
      { event: 'E', properties: { n: 1e308, m: -0, list: [1, 2.5] } },
      undefined,
    ],
    [
      '1e309 in properties',
      JSON.parse('{"properties":{"ok":1,"big":1e309}}') as unknown,
      'properties.big',
    ],
    [
      '-1e309 in an array',
      JSON.parse('{"traits":{"scores":[1,-1e309]}}') as unknown,
      'traits.scores.1',
    ],
    ['the first of two', { a: { b: Infinity }, c: NaN }, 'a.b'],
    ['a bare number', Infinity, '(the value)'],
    [
      'deep nesting',
      JSON.parse(`${'['.repeat(20_000)}1e400${']'.repeat(20_000)}`) as unknown,
      `${'0.'.repeat(19_999)}0`,
    ],
  ])('%s', (_name, value, expected) => {
    expect(findNonFinite(value)).toBe(expected);
  });
});
