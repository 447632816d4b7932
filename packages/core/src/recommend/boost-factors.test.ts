import { describe, expect, it } from 'vitest';
import { applyBoosts, boostFactor } from './boost-factors.js';
import type { CatalogItem } from './catalog-item.schema.js';
import type { Boost } from './recommender.schema.js';

const item = (fields: Partial<CatalogItem>): CatalogItem => ({
  id: 'x',
  available: true,
  source: 'api',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});
const boosts: Boost[] = [
  { field: 'category', value: 'Games', factor: 2 },
  { field: 'brand', value: 'Acme', factor: 1.5 },
  { field: 'attributes.organic', value: true, factor: 3 },
  { field: 'attributes.size', value: 10, factor: 0.5 },
];

describe('boosts', () => {
  it.each([
    ['no match', item({ category: 'Toys' }), 1],
    ['category', item({ category: 'Games' }), 2],
    ['category and brand multiply', item({ category: 'Games', brand: 'Acme' }), 3],
    ['attribute of the same type', item({ attributes: { organic: true } }), 3],
    ['attribute of another type', item({ attributes: { organic: 'true' } }), 1],
    ['number attribute, a factor below 1', item({ attributes: { size: 10 } }), 0.5],
    ['an item missing from the catalogue', undefined, 1],
  ])('%s', (_name, of, factor) => {
    expect(boostFactor(of, boosts)).toBe(factor);
  });

  it('moves a boosted item up whatever the sign of its score; 0 and -Infinity stay', () => {
    const scores = Float64Array.from([2, -2, -2, 0, -Infinity, 1]);
    applyBoosts(scores, Float64Array.from([2, 2, 0.5, 2, 2, 1]));
    expect(Array.from(scores)).toEqual([4, -1, -4, 0, -Infinity, 1]);
  });
});
