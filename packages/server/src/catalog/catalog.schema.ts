import { Type } from 'typebox';
import { CatalogItem } from '@tailor/core';
import { MAX_CATALOG_PAGE } from './catalog-service.js';

/**
 * The HTTP shapes of the catalog routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const CatalogItemId = Type.String({ minLength: 1, maxLength: 256 });

/** At most this many rejected rows are listed in the answer to a CSV import (all are counted). */
export const MAX_LISTED_REJECTIONS = 1000;

/** PUT /v1/catalog/items: its 200 answer (a CSV body adds what became of its rows). */
export const CatalogItemsSaved = Type.Object({
  stored: Type.Integer({
    description: 'Items stored (for CSV, an id given twice counts once a batch)',
  }),
  rows: Type.Optional(Type.Integer({ description: 'CSV only: data rows read' })),
  rejectedCount: Type.Optional(Type.Integer({ description: 'CSV only: rows not stored' })),
  rejected: Type.Optional(
    Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() }), {
      description: `CSV only: the first ${MAX_LISTED_REJECTIONS} rows not stored, by line number in the file, and why`,
    }),
  ),
});

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
