import { journeyUplift } from '../../journeys/journey-uplift.js';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import type { JourneyRunner } from '../../journeys/journey-runner.js';
import {
  DryRunBody,
  JourneyBody,
  JourneyDryRun,
  JourneyList,
  JourneyName,
  JourneyStats,
} from '../../journeys/journey.schema.js';
import type { JourneyStore } from '../../journeys/journey-store.js';

/** Journeys: saved and deleted with a marketer or admin key, read (and their per-step counts) with any reading key. */
export const journeyRoutes: FastifyPluginCallbackTypebox<{
  runner: JourneyRunner;
  store: JourneyStore;
  /** The profile id holding `TYPE:VALUE`, for dry runs (a 400 malformed, a 404 held by nobody). */
  personOf: (identifier: string) => Promise<string>;
}> = (app, { runner, store, personOf }, done) => {
  const missing = (name: string): TailorError => new TailorError('not_found', `no journey ${name}`);
  app.put(
    '/v1/journeys/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['journeys'],
        summary: 'Create or replace a journey; people enter it on its entry event from now on',
        params: JourneyName,
        body: JourneyBody,
        response: { 200: JourneyBody },
      },
    },
    async (request) => {
      await runner.put(request.params.name, request.body);
      return request.body;
    },
  );
  app.get(
    '/v1/journeys',
    {
      config: { access: 'read' },
      schema: {
        tags: ['journeys'],
        summary: 'Every journey, by name, with its definition',
        response: {
          200: JourneyList,
        },
      },
    },
    async () => ({
      items: (await store.listJourneys())
        .map(({ name, body }) => ({ name, ...(body as JourneyBody) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    }),
  );
  app.get(
    '/v1/journeys/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['journeys'],
        summary: 'A journey',
        params: JourneyName,
        response: { 200: JourneyBody },
      },
    },
    async (request) => {
      const body = await store.getJourney(request.params.name);
      if (body === undefined) throw missing(request.params.name);
      return body as JourneyBody;
    },
  );
  app.delete(
    '/v1/journeys/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['journeys'],
        summary: "Delete a journey and everyone's place in it",
        params: JourneyName,
      },
    },
    async (request, reply) => {
      if (!(await runner.delete(request.params.name))) throw missing(request.params.name);
      return reply.code(204).send();
    },
  );
  app.post(
    '/v1/journeys/:name/dry-run',
    {
      // It shows a person's rendered emails: for those who may define journeys.
      config: { access: 'define' },
      schema: {
        tags: ['journeys'],
        summary:
          'Which steps and emails a person would get entering the journey now; nothing is sent or stored',
        params: JourneyName,
        body: DryRunBody,
        response: { 200: JourneyDryRun },
      },
    },
    async (request) => {
      const person = await personOf(request.body.identifier);
      const run = await runner.dryRun(request.params.name, person);
      if (run === undefined) throw missing(request.params.name);
      return run;
    },
  );
  app.get(
    '/v1/journeys/:name/stats',
    {
      config: { access: 'read' },
      schema: {
        tags: ['journeys'],
        summary:
          'Per step: how many entered, are waiting at it, went past it, left the journey there and reached the goal there; with a holdout, the uplift of the goal',
        params: JourneyName,
        response: { 200: JourneyStats },
      },
    },
    async (request) => {
      const body = (await store.getJourney(request.params.name)) as JourneyBody | undefined;
      if (body === undefined) throw missing(request.params.name);
      const [steps, reached] = await Promise.all([
        store.stats(request.params.name),
        store.goals(request.params.name),
      ]);
      return {
        steps,
        ...(body.goal !== undefined && { goal: { event: body.goal.event, reached } }),
        ...(body.holdout !== undefined && {
          holdout: await journeyUplift(store, request.params.name, body, body.holdout),
        }),
      };
    },
  );
  done();
};
