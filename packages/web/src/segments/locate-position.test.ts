import { describe, expect, it } from 'vitest';
import { locatePosition } from './locate-position.js';

describe('locatePosition', () => {
  it('gives the line and column of an offset and splits the text around it', () => {
    expect(locatePosition('traits.plan = ', 14)).toEqual({
      line: 1,
      column: 15,
      before: 'traits.plan = ',
      at: ' ',
      after: '',
    });
    expect(locatePosition('a = 1 and\nb ?= 2', 12)).toEqual({
      line: 2,
      column: 3,
      before: 'a = 1 and\nb ',
      at: '?',
      after: '= 2',
    });
  });

  it('keeps an offset past either end inside the text', () => {
    expect(locatePosition('abc', -4)).toMatchObject({ line: 1, column: 1, at: 'a' });
    expect(locatePosition('abc', 99)).toMatchObject({ column: 4, before: 'abc', at: ' ' });
  });
});
