import { describe, expect, it } from 'vitest';
import { interactionItems } from './interaction-items.js';

describe('interactionItems', () => {
  it.each<[string, Record<string, unknown> | undefined, string[]]>([
    ['no properties', undefined, []],
    ['a product', { product_id: 'p1' }, ['p1']],
    ['a numeric id', { product_id: 42 }, ['42']],
    [
      'an order: each product once',
      { products: [{ product_id: 'a' }, { product_id: 'b' }, { product_id: 'a' }] },
      ['a', 'b'],
    ],
    ['products win over product_id', { product_id: 'x', products: [{ product_id: 'a' }] }, ['a']],
    ['empty products: product_id', { product_id: 'x', products: [] }, ['x']],
    [
      'bad ids skipped',
      { products: [null, 'a', { product_id: '' }, { product_id: {} }, { product_id: 'ok' }] },
      ['ok'],
    ],
    ['NaN is no id', { product_id: Number.NaN }, []],
  ])('%s', (_name, properties, expected) => {
    expect(interactionItems(properties)).toEqual(expected);
  });
});
