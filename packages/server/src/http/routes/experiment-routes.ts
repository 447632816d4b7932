import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ExperimentResult, FactorialResult } from '@tailor/core';
import { ExperimentBody, ExperimentMetricBody } from '../../experiments/experiment-body.js';
import { Experiment } from '../../experiments/experiment.schema.js';
import type { ExperimentService } from '../../experiments/experiment-service.js';

const Name = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const Results = Type.Intersect([
  ExperimentResult,
  Type.Object({
    experiment: Type.String(),
    computedAt: Type.String(),
    metrics: Type.Array(ExperimentMetricBody),
    exposures: Type.Integer({ description: 'Exposure events read, repeats included' }),
    eventsRead: Type.Integer(),
    factorial: Type.Optional(FactorialResult),
  }),
]);
const Assignment = Type.Object({
  variant: Type.Union([Type.String(), Type.Null()], {
    description: 'The variant; in a factorial experiment the cell, FACTOR=LEVEL|FACTOR=LEVEL',
  }),
  factors: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: "A factorial experiment: each factor's level",
    }),
  ),
  reason: Type.Optional(
    Type.String({ description: 'Why nobody was assigned: not running, traffic, audience, layer' }),
  ),
});

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
        params: Name,
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
        response: { 200: Type.Object({ items: Type.Array(Experiment) }) },
      },
    },
    async () => ({ items: await experiments.list() }),
  );
  app.get(
    '/v1/experiments/:name',
    {
      config: { access: 'read' },
      schema: { tags, summary: 'One experiment', params: Name, response: { 200: Experiment } },
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
        params: Name,
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
        params: Name,
        body: Type.Object(
          {
            userId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            writeKey: Type.Optional(
              Type.String({ description: 'The write key, for clients that cannot set headers' }),
            ),
          },
          { additionalProperties: false },
        ),
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
        params: Name,
        response: { 200: Results },
      },
    },
    async (request) => experiments.results(request.params.name),
  );
  done();
};
