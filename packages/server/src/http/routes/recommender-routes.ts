import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Recommendations, RecommenderBody, RecommenderModel } from '@tailor/core';
import type { RecommenderService } from '../../recommend/recommender-service.js';
import {
  RecommendationsBody,
  RecommendationsQuery,
  RecommenderList,
  RecommenderName,
  RecommenderView,
} from '../../recommend/recommender.schema.js';

/**
 * Recommenders (define) and their recommendations: any person's for readers; from browsers with
 * the write key, a person's own only when `userHash` proves them, else popular items.
 */
export const recommenderRoutes: FastifyPluginCallbackTypebox<{
  recommenders: RecommenderService;
}> = (app, { recommenders }, done) => {
  const tags = ['recommendations'];
  app.put(
    '/v1/recommenders/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace a recommender: its method and the events it learns from; trained from the log now and on a schedule',
        params: RecommenderName,
        body: RecommenderBody,
        response: { 200: RecommenderView },
      },
    },
    async (request) => recommenders.put(request.params.name, request.body),
  );
  app.get(
    '/v1/recommenders',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every recommender, with its model',
        response: { 200: RecommenderList },
      },
    },
    () => ({ items: recommenders.list() }),
  );
  app.get(
    '/v1/recommenders/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One recommender, with its model and a training under way',
        params: RecommenderName,
        response: { 200: RecommenderView },
      },
    },
    (request) => recommenders.get(request.params.name),
  );
  app.delete(
    '/v1/recommenders/:name',
    {
      config: { access: 'define' },
      schema: { tags, summary: 'Delete a recommender and its model', params: RecommenderName },
    },
    async (request, reply) => {
      await recommenders.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  app.post(
    '/v1/recommenders/:name/train',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: 'Train a recommender from the log now; answers once the new model serves',
        params: RecommenderName,
        response: { 200: RecommenderModel },
      },
    },
    async (request) => recommenders.train(request.params.name),
  );
  app.get(
    '/v1/recommendations/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "A person's recommendations, best first, none they already had; popular items for a stranger or one who refused personalization",
        params: RecommenderName,
        querystring: RecommendationsQuery,
        response: { 200: Recommendations },
      },
    },
    async (request) => {
      const { items, ...query } = request.query;
      return recommenders.recommend(request.params.name, {
        ...query,
        items: items?.split(','),
        asker: 'reader',
      });
    },
  );
  app.post(
    '/v1/recommendations/:name',
    {
      config: { access: 'collect' },
      schema: {
        tags,
        summary:
          "Recommendations from a browser with the write key: the person's own when userHash proves them, else popular items",
        params: RecommenderName,
        body: RecommendationsBody,
        response: { 200: Recommendations },
      },
    },
    async (request) => {
      const { userId, anonymousId, k, userHash, items } = request.body;
      // Admin keys see anyone's, as readers do; the write key only a proven person's (docs/security.md).
      const asker = request.principal?.role === 'admin' ? 'reader' : 'public';
      return recommenders.recommend(request.params.name, {
        userId,
        anonymousId,
        k,
        userHash,
        items,
        asker,
      });
    },
  );
  done();
};
