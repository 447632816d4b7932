import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { ModelBody, ModelDrift, ModelSchedule, ModelVersionInfo } from '@tailor/core';
import type { ModelService } from '../../models/model-service.js';
import {
  ModelList,
  ModelName,
  ModelTraining,
  ModelVersions,
  ModelView,
  PromoteBody,
  TrainQuery,
} from '../../models/model.schema.js';

/** The model registry: churn and propensity models, their trained versions and promotion. */
export const modelRoutes: FastifyPluginCallbackTypebox<{ models: ModelService }> = (
  app,
  { models },
  done,
) => {
  const tags = ['models'];
  app.put(
    '/v1/models/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace a churn or propensity model: its label window, features, horizon and schedule',
        params: ModelName,
        body: ModelBody,
        response: { 200: ModelView },
      },
    },
    async (request) => models.put(request.params.name, request.body),
  );
  app.get(
    '/v1/models',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every model definition',
        response: { 200: ModelList },
      },
    },
    async () => ({ items: await models.list() }),
  );
  app.get(
    '/v1/models/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One model definition',
        params: ModelName,
        response: { 200: ModelView },
      },
    },
    async (request) => models.get(request.params.name),
  );
  app.delete(
    '/v1/models/:name',
    {
      config: { access: 'define' },
      schema: { tags, summary: 'Delete a model and its versions', params: ModelName },
    },
    async (request, reply) => {
      await models.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  app.post(
    '/v1/models/:name/train',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Train a new version from the log now (point in time, k-fold cross-validated), as a job: answers 202 with the run (the one under way, if any), which GET .../training follows; with ?wait=true, 200 with the version once recorded',
        params: ModelName,
        querystring: TrainQuery,
        response: { 200: ModelVersionInfo, 202: ModelTraining },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (request.query.wait === true) return models.train(name);
      const run = await models.startTraining(name);
      return reply
        .code(202)
        .header('location', `/v1/models/${encodeURIComponent(name)}/training`)
        .send(run);
    },
  );
  app.get(
    '/v1/models/:name/training',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "The model's latest training by request: its phase, progress, and the version recorded or the error",
        params: ModelName,
        response: { 200: ModelTraining },
      },
    },
    async (request) => models.trainingRun(request.params.name),
  );
  app.get(
    '/v1/models/:name/versions',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: "A model's trained versions, oldest first, with their metrics",
        params: ModelName,
        response: { 200: ModelVersions },
      },
    },
    async (request) => ({ items: await models.versions(request.params.name) }),
  );
  app.get(
    '/v1/models/:name/schedule',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "Where the model's scheduled training and drift measurement stand: when each is due next, and how the last went",
        params: ModelName,
        response: { 200: ModelSchedule },
      },
    },
    async (request) => models.schedule(request.params.name),
  );
  app.get(
    '/v1/models/:name/drift',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "Drift of the promoted version: PSI and KS of each feature and of the score, its training against everyone's features now (reads the log)",
        params: ModelName,
        response: { 200: ModelDrift },
      },
    },
    async (request) => models.drift(request.params.name),
  );
  app.post(
    '/v1/models/:name/promote',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: 'Make a version the one that scores (promotion, or rolling back to an older one)',
        params: ModelName,
        body: PromoteBody,
        response: { 200: ModelView },
      },
    },
    async (request) => models.promote(request.params.name, request.body.version),
  );
  done();
};
