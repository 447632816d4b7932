import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { CatalogItem, CatalogItemsBody } from '@tailor/core';
import { type CatalogService } from '../../catalog/catalog-service.js';
import {
  CatalogItemParams,
  CatalogItemsPage,
  CatalogItemsQuery,
  CatalogItemsSaved,
} from '../../catalog/catalog.schema.js';

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
        response: { 200: CatalogItemsSaved },
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
        querystring: CatalogItemsQuery,
        response: {
          200: CatalogItemsPage,
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
        params: CatalogItemParams,
        response: { 200: CatalogItem },
      },
    },
    async (request) => catalog.get(request.params.id),
  );
  done();
};
