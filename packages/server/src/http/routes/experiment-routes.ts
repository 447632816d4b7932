import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { ExperimentBody } from '../../experiments/experiment-body.js';
import {
  AssignBody,
  Assignment,
  Experiment,
  ExperimentList,
  ExperimentName,
  ExperimentResults,
} from '../../experiments/experiment.schema.js';
import type { ExperimentService } from '../../experiments/experiment-service.js';

/** Experiments: define (marketer), read and results (viewer), assign (write key, from browsers too). */
export const experimentRoutes: FastifyPluginCallbackTypebox<{ experiments: ExperimentService }> = (
  app,
  { experiments },
  done,
) => {
  const tags = ['experiments'];

  app.put(
    '/v1/experiments/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace an experiment: variants (or factors) and weights, audience, traffic, schedule, layer, metrics',
        params: ExperimentName,
        body: ExperimentBody,
        response: { 200: Experiment },
      },
    },
    async (request) => experiments.put(request.params.name, request.body),
  );
  app.get(
    '/v1/experiments',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every experiment',
        response: { 200: ExperimentList },
      },
    },
    async () => ({ items: await experiments.list() }),
  );
  app.get(
    '/v1/experiments/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One experiment',
        params: ExperimentName,
        response: { 200: Experiment },
      },
    },
    async (request) => experiments.get(request.params.name),
  );
  app.delete(
    '/v1/experiments/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary: 'Delete an experiment (its exposure events stay in the log)',
        params: ExperimentName,
      },
    },
    async (request, reply) => {
      await experiments.delete(request.params.name);
      return reply.status(204).send();
    },
  );
  app.post(
    '/v1/experiments/:name/assign',
    {
      config: { access: 'collect' },
      schema: {
        tags,
        summary:
          "A person's variant, sticky; recorded as an `Experiment Viewed` event. Callable from a browser with the write key",
        params: ExperimentName,
        body: AssignBody,
        response: { 200: Assignment },
      },
    },
    async (request) => {
      const { userId, anonymousId } = request.body;
      return experiments.assign(request.params.name, { userId, anonymousId });
    },
  );
  app.get(
    '/v1/experiments/:name/results',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Per variant and metric: rate or mean, interval, uplift, p-values, chance to beat control, CUPED; and the sample ratio check',
        params: ExperimentName,
        response: { 200: ExperimentResults },
      },
    },
    async (request) => experiments.results(request.params.name),
  );
  done();
};
