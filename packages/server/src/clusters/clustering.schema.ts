import { Type } from 'typebox';
import { ClusteringBody } from '@tailor/core';

/**
 * The HTTP shapes of the clustering routes, declared once: Fastify validates with them and the
 * OpenAPI document is generated from them (http/routes/).
 */

export const ClusteringName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

export const Cluster = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  id: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
});

export const Clustering = Type.Intersect([
  ClusteringBody,
  Type.Object({
    name: Type.String(),
    version: Type.Integer({ description: "The definition's version (each PUT adds one)" }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    trained: Type.Optional(
      Type.Object({
        training: Type.Integer(),
        trainedAt: Type.String(),
        k: Type.Integer(),
        rows: Type.Integer(),
        silhouette: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
    training: Type.Optional(
      Type.Object(
        { done: Type.Integer(), total: Type.Integer() },
        { description: 'A training under way: profiles read of the total' },
      ),
    ),
  }),
]);

export const Rename = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' }) },
  { additionalProperties: false },
);

/** GET /v1/clusterings: its 200 answer. */
export const ClusteringList = Type.Object({ items: Type.Array(Clustering) });

/** GET /v1/clusterings/:name/clusters/:id/members: the querystring. */
export const ClusterMembersQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

/** GET /v1/clusterings/:name/clusters/:id/members: its 200 answer. */
export const ClusterMembersPage = Type.Object({
  profiles: Type.Array(Type.String()),
  next: Type.Union([Type.String(), Type.Null()]),
});
