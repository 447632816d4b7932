import { Type } from 'typebox';
import { CatalogItem } from '@tailor/core';
import { MAX_CATALOG_PAGE } from './catalog-service.js';

/**
 * The HTTP shapes of the catalog routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const CatalogItemId = Type.String({ minLength: 1, maxLength: 256 });

/** PUT /v1/catalog/items: its 200 answer. */
export const CatalogItemsSaved = Type.Object({ stored: Type.Integer() });

/** GET /v1/catalog/items: the querystring. */
export const CatalogItemsQuery = Type.Object(
  {
    after: Type.Optional(CatalogItemId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CATALOG_PAGE })),
  },
  { additionalProperties: false },
);

/** GET /v1/catalog/items: its 200 answer. */
export const CatalogItemsPage = Type.Object({
  items: Type.Array(CatalogItem),
  total: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()]),
});

/** GET /v1/catalog/items/:id: the params. */
export const CatalogItemParams = Type.Object({ id: CatalogItemId });
