import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  MAX_RECOMMENDATIONS,
  Recommendations,
  RecommenderBody,
  RecommenderModel,
  RecommenderTraining,
} from '@tailor/core';
import type { RecommenderService } from '../../recommend/recommender-service.js';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const Recommender = Type.Intersect([
  RecommenderBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    model: Type.Optional(RecommenderModel),
    training: Type.Optional(RecommenderTraining),
  }),
]);
const Id = Type.String({ minLength: 1, maxLength: 1024 });
const K = Type.Integer({
  minimum: 1,
  maximum: MAX_RECOMMENDATIONS,
  description: 'How many items (default 10)',
});

const Items = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 50,
  description:
    'Product ids the list should go with (a product page, a cart): none of them is recommended; a stranger gets what goes with them rather than the popular items',
});

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
        params: Name,
        body: RecommenderBody,
        response: { 200: Recommender },
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
        response: { 200: Type.Object({ items: Type.Array(Recommender) }) },
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
        params: Name,
        response: { 200: Recommender },
      },
    },
    (request) => recommenders.get(request.params.name),
  );
  app.delete(
    '/v1/recommenders/:name',
    {
      config: { access: 'define' },
      schema: { tags, summary: 'Delete a recommender and its model', params: Name },
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
        params: Name,
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
        params: Name,
        querystring: Type.Object(
          {
            userId: Type.Optional(Id),
            anonymousId: Type.Optional(Id),
            k: Type.Optional(K),
            items: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 13_000,
                description:
                  'Product ids the list should go with (a product page, a cart), comma-separated, at most 50: none of them is recommended. Ids holding a comma: use the POST route',
              }),
            ),
          },
          { additionalProperties: false },
        ),
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
        params: Name,
        body: Type.Object(
          {
            userId: Type.Optional(Id),
            anonymousId: Type.Optional(Id),
            k: Type.Optional(K),
            items: Type.Optional(Items),
            userHash: Type.Optional(
              Type.String({
                maxLength: 128,
                description:
                  "Identity verification, as in /v1/decide: the hex HMAC-SHA256 of userId under the installation's secret. Without a valid one the answer is popular items",
              }),
            ),
            writeKey: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
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
