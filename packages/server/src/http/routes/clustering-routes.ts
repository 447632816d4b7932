import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { ClusterInfo, ClusterModel, ClusteringBody } from '@tailor/core';
import type { ClusteringService } from '../../clusters/clustering-service.js';
import {
  Cluster,
  ClusterMembersPage,
  ClusterMembersQuery,
  Clustering,
  ClusteringList,
  ClusteringName,
  Rename,
} from '../../clusters/clustering.schema.js';

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
        params: ClusteringName,
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
        response: { 200: ClusteringList },
      },
    },
    async () => ({ items: await clusterings.list() }),
  );
  app.get(
    '/v1/clusterings/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One clustering',
        params: ClusteringName,
        response: { 200: Clustering },
      },
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
        params: ClusteringName,
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
        params: ClusteringName,
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
        params: ClusteringName,
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
        querystring: ClusterMembersQuery,
        response: {
          200: ClusterMembersPage,
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
