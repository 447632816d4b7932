import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ClusterInfo, ClusterModel, ClusteringBody } from '@tailor/core';
import type { ClusteringService } from '../../clusters/clustering-service.js';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const Cluster = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  id: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
});
const Clustering = Type.Intersect([
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
const Rename = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f]+$' }) },
  { additionalProperties: false },
);

/** Clusterings of profiles: definitions, training, clusters with personas, renaming, members. */
export const clusteringRoutes: FastifyPluginCallbackTypebox<{ clusterings: ClusteringService }> = (
  app,
  { clusterings },
  done,
) => {
  const tags = ['clusterings'];
  app.put(
    '/v1/clusterings/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace a clustering of profiles: its features (traits, computed traits, RFM), method, k or auto, schedule',
        params: Name,
        body: ClusteringBody,
        response: { 200: Clustering },
      },
    },
    async (request) => clusterings.put(request.params.name, request.body),
  );
  app.get(
    '/v1/clusterings',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every clustering, with its last training and one under way',
        response: { 200: Type.Object({ items: Type.Array(Clustering) }) },
      },
    },
    async () => ({ items: await clusterings.list() }),
  );
  app.get(
    '/v1/clusterings/:name',
    {
      config: { access: 'read' },
      schema: { tags, summary: 'One clustering', params: Name, response: { 200: Clustering } },
    },
    async (request) => clusterings.get(request.params.name),
  );
  app.delete(
    '/v1/clusterings/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Delete a clustering, its model and assignments (in_cluster on it then holds for nobody)',
        params: Name,
      },
    },
    async (request, reply) => {
      await clusterings.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  app.post(
    '/v1/clusterings/:name/train',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Train from the profiles as they are now (a job; its progress shows on GET /v1/clusterings/NAME); answers the model once recorded',
        params: Name,
        response: { 200: ClusterModel },
      },
    },
    async (request) => clusterings.train(request.params.name),
  );
  app.get(
    '/v1/clusterings/:name/clusters',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'The last training: each cluster with its size, centroid in the original units and persona; the silhouette',
        params: Name,
        response: { 200: ClusterModel },
      },
    },
    async (request) => clusterings.clusters(request.params.name),
  );
  const rename = {
    config: { access: 'define' as const },
    schema: {
      tags,
      summary: "Name a cluster's persona (kept across retraining while the cluster continues)",
      params: Cluster,
      body: Rename,
      response: { 200: ClusterInfo },
    },
  };
  app.patch('/v1/clusterings/:name/clusters/:id', rename, async (request) =>
    clusterings.rename(request.params.name, request.params.id, request.body.name),
  );
  app.put('/v1/clusterings/:name/clusters/:id', rename, async (request) =>
    clusterings.rename(request.params.name, request.params.id, request.body.name),
  );
  app.get(
    '/v1/clusterings/:name/clusters/:id/members',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Profiles the last training put in a cluster, by id, paged',
        params: Cluster,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        }),
        response: {
          200: Type.Object({
            profiles: Type.Array(Type.String()),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) =>
      clusterings.members(
        request.params.name,
        request.params.id,
        request.query.cursor ?? '',
        request.query.limit ?? 100,
      ),
  );
  done();
};
