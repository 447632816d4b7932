import { describe, expect, it } from 'vitest';
import { bodyOf, fieldsOf, hasIndex, refusedField } from './recommender-form.js';

describe('the recommender form', () => {
  it('gives back the body it was made from', () => {
    const body = {
      method: 'blend' as const,
      blend: [{ method: 'ease' as const }, { method: 'content' as const, weight: 0.5 }],
      events: ['Order Completed', 'Product Viewed'],
      halfLifeDays: 45,
      k: 8,
      rules: {
        availableOnly: false,
        maxPerCategory: 3,
        boosts: [
          { field: 'brand', value: 'House', factor: 1.5 },
          { field: 'attributes.size', value: 42, factor: 2 },
          { field: 'attributes.organic', value: true, factor: 0.8 },
        ],
      },
      hnsw: { m: 24, efSearch: 800 },
      description: 'For you',
    };
    expect(bodyOf(fieldsOf(body))).toEqual(body);
    expect(bodyOf(fieldsOf({ method: 'ease' }))).toEqual({ method: 'ease' });
  });

  it('sends what was typed, and never a setting the method hides', () => {
    const fields = fieldsOf({ method: 'content', hnsw: { m: 16 } });
    fields.k = ' ten ';
    fields.maxPerCategory = '2';
    fields.parts = [{ method: 'ease', weight: '0' }];
    expect(bodyOf(fields)).toEqual({
      method: 'content',
      k: 'ten',
      rules: { maxPerCategory: 2 },
      hnsw: { m: 16 },
    });
    // Parts go with a blend only; the index only where a content part is.
    expect(hasIndex({ method: 'blend', parts: [{ method: 'ease', weight: '' }] })).toBe(false);
    expect(bodyOf({ ...fields, method: 'blend' })).toEqual({
      method: 'blend',
      blend: [{ method: 'ease', weight: 0 }],
      k: 'ten',
      rules: { maxPerCategory: 2 },
    });
  });

  it.each([
    ['body.blend.1.weight: must be > 0', 'blend.1.weight'],
    ['body.blend.0.method: must be equal to constant', 'blend.0.method'],
    ['body.blend: must not have fewer than 2 items', 'blend'],
    ['blend: a method is mixed once (give it a weight)', 'blend'],
    ['body.rules.maxPerCategory: must be >= 1', 'rules.maxPerCategory'],
    ['body.rules.boosts.0.field: must match pattern "^(category|brand)$"', 'rules.boosts.0.field'],
    ['body.rules.boosts.2.factor: must be > 0', 'rules.boosts.2.factor'],
    ['body.rules.boosts.2: must NOT have additional properties', 'rules.boosts.2.factor'],
    ['body.hnsw.m: must be >= 4', 'hnsw.m'],
    ['hnsw: only a content recommender (or a blend with a content part) has an index', 'hnsw'],
    ['body.k: must be >= 1', 'k'],
    ['body.halfLifeDays: must be > 0', 'halfLifeDays'],
    ['body.events.1: must match pattern', 'events'],
    ['body.rules: must NOT have additional properties', undefined],
    ['the recommender could not be saved', undefined],
  ])('places “%s” at %s', (message, field) => {
    expect(refusedField(message)).toBe(field);
  });
});
