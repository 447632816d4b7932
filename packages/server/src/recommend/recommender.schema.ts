import { Type } from 'typebox';
import {
  MAX_RECOMMENDATIONS,
  RecommenderBody,
  RecommenderModel,
  RecommenderTraining,
} from '@tailor/core';

/**
 * The HTTP shapes of the recommender routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const RecommenderName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export const RecommenderView = Type.Intersect([
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

export const PersonId = Type.String({ minLength: 1, maxLength: 1024 });

export const ListLength = Type.Integer({
  minimum: 1,
  maximum: MAX_RECOMMENDATIONS,
  description: 'How many items (default 10)',
});

export const Items = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 50,
  description:
    'Product ids the list should go with (a product page, a cart): none of them is recommended; a stranger gets what goes with them rather than the popular items',
});

/** GET /v1/recommenders: its 200 answer. */
export const RecommenderList = Type.Object({ items: Type.Array(RecommenderView) });

/** GET /v1/recommendations/:name: the querystring. */
export const RecommendationsQuery = Type.Object(
  {
    userId: Type.Optional(PersonId),
    anonymousId: Type.Optional(PersonId),
    k: Type.Optional(ListLength),
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
);

/** POST /v1/recommendations/:name: the body. */
export const RecommendationsBody = Type.Object(
  {
    userId: Type.Optional(PersonId),
    anonymousId: Type.Optional(PersonId),
    k: Type.Optional(ListLength),
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
);
