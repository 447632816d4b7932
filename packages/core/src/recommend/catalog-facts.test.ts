import { describe, expect, it } from 'vitest';
import { catalogFacts } from './catalog-facts.js';
import { mergeCatalogItem } from './merge-catalog-item.js';

describe('catalogFacts', () => {
  it('reads each product of an Order Completed, skipping unusable fields and ids', () => {
    expect(
      catalogFacts('Order Completed', {
        order_id: 'o1',
        products: [
          {
            product_id: 'p1',
            sku: 'S-1',
            name: 'Monopoly',
            category: 'Games',
            brand: 'Hasbro',
            price: 19.99,
          },
          { product_id: 42, name: '', price: -3, brand: 7 },
          { sku: 'no id' },
          'not a product',
          { product_id: 'p1', name: 'Monopoly 3rd edition' },
        ],
      }),
    ).toEqual([{ id: 'p1', name: 'Monopoly 3rd edition' }, { id: '42' }]);
  });

  it('reads a Product Viewed from its properties, and nothing from other events', () => {
    const properties = { product_id: 'p2', name: 'Uno', category: 'Games', price: 5 };
    expect(catalogFacts('Product Viewed', properties)).toEqual([
      { id: 'p2', name: 'Uno', category: 'Games', price: 5 },
    ]);
    expect(catalogFacts('Signed Up', properties)).toEqual([]);
    expect(catalogFacts(undefined, properties)).toEqual([]);
  });
});

describe('mergeCatalogItem', () => {
  const at = '2026-12-05T12:00:00.000Z';
  it('lets the API replace an item as a whole, available unless it says not', () => {
    const old = mergeCatalogItem(undefined, { id: 'p', name: 'Old', brand: 'B' }, 'events', at);
    expect(mergeCatalogItem(old, { id: 'p', name: 'New' }, 'api', at)).toEqual({
      id: 'p',
      name: 'New',
      available: true,
      source: 'api',
      updatedAt: at,
    });
    expect(mergeCatalogItem(old, { id: 'p', available: false }, 'api', at)?.available).toBe(false);
  });

  it('lets events only fill what is unknown, and never change an item the API gave', () => {
    const learnt = mergeCatalogItem(undefined, { id: 'p', name: 'Uno' }, 'events', at);
    expect(learnt).toEqual({
      id: 'p',
      name: 'Uno',
      available: true,
      source: 'events',
      updatedAt: at,
    });
    expect(
      mergeCatalogItem(learnt, { id: 'p', name: 'Other', price: 5 }, 'events', 'later'),
    ).toEqual({
      id: 'p',
      name: 'Uno',
      price: 5,
      available: true,
      source: 'events',
      updatedAt: 'later',
    });
    expect(mergeCatalogItem(learnt, { id: 'p', name: 'Other' }, 'events', 'later')).toBeUndefined();
    const given = mergeCatalogItem(undefined, { id: 'p', available: false }, 'api', at);
    expect(
      mergeCatalogItem(given, { id: 'p', name: 'Uno', price: 5 }, 'events', 'later'),
    ).toBeUndefined();
  });
});
