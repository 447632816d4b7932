import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CatalogItem, CatalogItemsBody } from '@tailor/core';
import { MAX_CATALOG_PAGE, type CatalogService } from '../../catalog/catalog-service.js';

const Id = Type.String({ minLength: 1, maxLength: 256 });

/** The item catalogue: bulk writes for marketers, reads for anyone with a reading key. No person in it. */
export const catalogRoutes: FastifyPluginCallbackTypebox<{ catalog: CatalogService }> = (
  app,
  { catalog },
  done,
) => {
  const tags = ['recommendations'];
  app.put(
    '/v1/catalog/items',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace catalogue items in bulk (a JSON array): attributes and availability. All or none are stored',
        body: CatalogItemsBody,
        response: { 200: Type.Object({ stored: Type.Integer() }) },
      },
    },
    async (request) => catalog.put(request.body),
  );
  app.get(
    '/v1/catalog/items',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Catalogue items in byte order of id, a page at a time',
        querystring: Type.Object(
          {
            after: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CATALOG_PAGE })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(CatalogItem),
            total: Type.Integer(),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => catalog.list(request.query),
  );
  app.get(
    '/v1/catalog/items/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One catalogue item',
        params: Type.Object({ id: Id }),
        response: { 200: CatalogItem },
      },
    },
    async (request) => catalog.get(request.params.id),
  );
  done();
};
