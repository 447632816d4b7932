import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  SourceBody,
  SourceList,
  SourceName,
  SourceStatus,
  SourceTestAnswer,
  SourceView,
} from '../../sources/source.schema.js';
import type { SourceService } from '../../sources/source-service.js';

/**
 * Database sources (admin: they hold credentials): definitions (the URL's password never shown
 * back), a test that maps the first rows without storing them, and syncs.
 */
export const sourceRoutes: FastifyPluginCallbackTypebox<{ sources: SourceService }> = (
  app,
  { sources },
  done,
) => {
  const tags = ['sources'];
  app.put(
    '/v1/sources/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary:
          'Create or replace a database source: a PostgreSQL or MySQL table or query, its key and cursor columns, and the mapping of its rows to messages',
        params: SourceName,
        body: SourceBody,
        response: { 200: SourceView },
      },
    },
    async (request) => sources.put(request.params.name, request.body),
  );
  app.get(
    '/v1/sources',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'Every source, with where its syncs stand',
        response: { 200: SourceList },
      },
    },
    async () => ({ items: await sources.list() }),
  );
  app.get(
    '/v1/sources/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'A source, with where its syncs stand (rows read, messages stored, errors)',
        params: SourceName,
        response: { 200: SourceView },
      },
    },
    async (request) => sources.get(request.params.name),
  );
  app.get(
    '/v1/sources/:name/status',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary:
          'Where its syncs stand: rows read, messages stored, the last cursor, the last error and rejected rows by key (never their values)',
        params: SourceName,
        response: { 200: SourceStatus },
      },
    },
    async (request) => (await sources.get(request.params.name)).status,
  );
  app.delete(
    '/v1/sources/:name',
    {
      config: { access: 'manage' },
      schema: { tags, summary: 'Delete a source (what it stored stays)', params: SourceName },
    },
    async (request, reply) => {
      await sources.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  app.post(
    '/v1/sources/:name/test',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary:
          'Connect, read the first 10 rows and show the messages they would be, without storing them',
        params: SourceName,
        response: {
          200: SourceTestAnswer,
        },
      },
    },
    async (request) => sources.test(request.params.name),
  );
  app.post(
    '/v1/sources/:name/sync',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary:
          'Sync now: the rows past the cursor, page by page; answers the status once done (503 with the reason when the source cannot be read)',
        params: SourceName,
        response: { 200: SourceStatus },
      },
    },
    async (request) => sources.sync(request.params.name),
  );
  done();
};
