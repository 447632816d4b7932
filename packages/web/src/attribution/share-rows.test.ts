import type { AttributionResult } from '@tailor/core';
import { describe, expect, it } from 'vitest';
import { nextSort, shareRows, sortShareRows } from './share-rows.js';

const RESULT: AttributionResult = {
  models: {
    first_touch: { shares: { google: 0.6, newsletter: 0.4 }, credit: {} },
    markov: { shares: { newsletter: 0.3, google: 0.5, bing: 0.2 }, credit: {} },
  },
  conversions: 10,
  attributedConversions: 10,
  conversionsWithoutTouchpoints: 0,
  value: 10,
  convertingPaths: 10,
  nonConvertingPaths: 0,
  touchpoints: 20,
  people: 12,
};

describe('shareRows', () => {
  const rows = shareRows(RESULT, ['first_touch', 'markov']);
  it('makes a row per key over every model, 0 where a model gives none', () => {
    expect(rows).toEqual([
      { key: 'google', shares: { first_touch: 0.6, markov: 0.5 } },
      { key: 'newsletter', shares: { first_touch: 0.4, markov: 0.3 } },
      { key: 'bing', shares: { first_touch: 0, markov: 0.2 } },
    ]);
  });

  it('sorts by a model or by key, ties by key', () => {
    const keys = (column: string, descending: boolean) =>
      sortShareRows(rows, { column, descending }).map((row) => row.key);
    expect(keys('markov', true)).toEqual(['google', 'newsletter', 'bing']);
    expect(keys('first_touch', false)).toEqual(['bing', 'newsletter', 'google']);
    expect(keys('key', false)).toEqual(['bing', 'google', 'newsletter']);
    expect(keys('key', true)).toEqual(['newsletter', 'google', 'bing']);
    expect(
      sortShareRows(
        [
          { key: 'b', shares: { m: 0.5 } },
          { key: 'a', shares: { m: 0.5 } },
        ],
        { column: 'm', descending: true },
      ).map((row) => row.key),
    ).toEqual(['a', 'b']);
  });

  it('flips the order of the same column, starts a new one descending', () => {
    expect(nextSort({ column: 'markov', descending: true }, 'markov')).toEqual({
      column: 'markov',
      descending: false,
    });
    expect(nextSort({ column: 'markov', descending: true }, 'linear').descending).toBe(true);
    expect(nextSort({ column: 'markov', descending: true }, 'key').descending).toBe(false);
  });
});
