import { Type, type Static } from 'typebox';

const Text = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, description });

/** A catalogue item as given to `PUT /v1/catalog/items` (docs/recommendations.md, "Catalog"). */
export const CatalogItemInput = Type.Object(
  {
    id: Text(256, "The item's id: the product_id events name"),
    sku: Type.Optional(Text(256, 'Stock keeping unit')),
    name: Type.Optional(Text(1000, 'Display name; content-based similarity reads it')),
    category: Type.Optional(Text(500, 'Category, such as "Games" or "Home/Kitchen"')),
    brand: Type.Optional(Text(500, 'Brand')),
    price: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    available: Type.Optional(
      Type.Boolean({ description: 'Whether it can be recommended now (default true)' }),
    ),
    attributes: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1, maxLength: 100 }),
        Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
        { maxProperties: 50, description: 'Further attributes, for boosts and filters' },
      ),
    ),
  },
  { title: 'CatalogItemInput', additionalProperties: false },
);
export type CatalogItemInput = Static<typeof CatalogItemInput>;

/** At most this many items per `PUT /v1/catalog/items`. */
export const MAX_CATALOG_BATCH = 5000;

export const CatalogItemsBody = Type.Array(CatalogItemInput, {
  minItems: 1,
  maxItems: MAX_CATALOG_BATCH,
  description: `Up to ${MAX_CATALOG_BATCH} items; each replaces the item of that id as a whole`,
});

/** A catalogue item as stored: what was given or learnt, where it came from and when. */
export const CatalogItem = Type.Intersect(
  [
    Type.Omit(CatalogItemInput, ['available']),
    Type.Object({
      available: Type.Boolean(),
      source: Type.Union([Type.Literal('api'), Type.Literal('events')], {
        description:
          'api: last given by the catalog API (events no longer change it); events: learnt from e-commerce events only',
      }),
      updatedAt: Type.String(),
    }),
  ],
  { title: 'CatalogItem' },
);
export type CatalogItem = Static<typeof CatalogItem>;
