import { Readable } from 'node:stream';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CatalogItem, CatalogItemsBody, TailorError, type CatalogItemInput } from '@tailor/core';
import { type CatalogService } from '../../catalog/catalog-service.js';
import {
  CatalogHeaderError,
  importCatalogCsv,
  type RejectedRow,
} from '../../catalog/import-catalog-csv.js';
import {
  CatalogItemParams,
  CatalogItemsPage,
  CatalogItemsQuery,
  CatalogItemsSaved,
  MAX_LISTED_REJECTIONS,
} from '../../catalog/catalog.schema.js';

/** The item catalogue: bulk writes for marketers, reads for anyone with a reading key. No person in it. */
export const catalogRoutes: FastifyPluginCallbackTypebox<{ catalog: CatalogService }> = (
  app,
  { catalog },
  done,
) => {
  const tags = ['recommendations'];
  // A CSV feed is read as it arrives (a row at a time, stored a thousand at a time), never whole.
  app.addContentTypeParser('text/csv', (_request, payload, done) => {
    done(null, payload);
  });
  app.put(
    '/v1/catalog/items',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace catalogue items in bulk: a JSON array (all or none stored), or a CSV feed (Content-Type: text/csv; each row stored or rejected on its own)',
        body: {
          content: {
            'application/json': { schema: CatalogItemsBody },
            'text/csv': {
              // Read as a stream by the importer, which reports each row's errors: not validated whole.
              schema: Type.Unknown({
                description:
                  'CSV text: a header row (id or product_id, sku, name, category, brand, price, available; any other column an attribute), then an item a row',
              }),
            },
          },
        },
        response: { 200: CatalogItemsSaved },
      },
    },
    async (request) => {
      if (request.body instanceof Readable) return importCsv(catalog, request.body);
      return catalog.put(request.body as CatalogItemInput[]);
    },
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

/** A CSV feed's rows stored as they arrive; the first rejected ones listed, every one counted. */
async function importCsv(catalog: CatalogService, body: Readable) {
  const rejected: RejectedRow[] = [];
  try {
    const result = await importCatalogCsv(body, {
      put: (items) => catalog.put(items),
      onRejected: (row) => {
        if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push(row);
      },
    });
    return {
      stored: result.stored,
      rows: result.rows,
      rejectedCount: result.rejected,
      rejected,
    };
  } catch (error) {
    if (error instanceof CatalogHeaderError)
      throw new TailorError('invalid_request', error.message);
    throw error;
  }
}
