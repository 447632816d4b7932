import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import { Type } from 'typebox';
import type { JourneyRunner } from '../../journeys/journey-runner.js';
import { JourneyBody, JourneyStats } from '../../journeys/journey.schema.js';
import type { SqliteJourneyStore } from '../../journeys/journey-store.js';

const Name = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
});

/**
 * Journeys: saved and deleted with a marketer or admin key, read (and their per-step counts) with
 * any reading key. Without journeys (PostgreSQL and JetStream, where none is built yet) every route
 * answers 501 saying so, rather than each node running its own and sending every email twice.
 */
export const journeyRoutes: FastifyPluginCallbackTypebox<{
  journeys: { runner: JourneyRunner; store: SqliteJourneyStore } | undefined;
}> = (app, { journeys }, done) => {
  const missing = (name: string): TailorError => new TailorError('not_found', `no journey ${name}`);
  const built = (): { runner: JourneyRunner; store: SqliteJourneyStore } => {
    if (journeys === undefined)
      throw new TailorError(
        'not_implemented',
        'journeys run on the embedded store only: they are not built for PostgreSQL and JetStream yet (docs/journeys.md)',
      );
    return journeys;
  };
  app.put(
    '/v1/journeys/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['journeys'],
        summary: 'Create or replace a journey; people enter it on its entry event from now on',
        params: Name,
        body: JourneyBody,
        response: { 200: JourneyBody },
      },
    },
    (request) => {
      built().runner.put(request.params.name, request.body);
      return Promise.resolve(request.body);
    },
  );
  app.get(
    '/v1/journeys/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['journeys'],
        summary: 'A journey',
        params: Name,
        response: { 200: JourneyBody },
      },
    },
    (request) => {
      const body = built().store.getJourney(request.params.name);
      if (body === undefined) throw missing(request.params.name);
      return Promise.resolve(body as JourneyBody);
    },
  );
  app.delete(
    '/v1/journeys/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['journeys'],
        summary: "Delete a journey and everyone's place in it",
        params: Name,
      },
    },
    async (request, reply) => {
      if (!built().runner.delete(request.params.name)) throw missing(request.params.name);
      return reply.code(204).send();
    },
  );
  app.get(
    '/v1/journeys/:name/stats',
    {
      config: { access: 'read' },
      schema: {
        tags: ['journeys'],
        summary: 'Per step: how many entered, are waiting at it, and went past it',
        params: Name,
        response: { 200: JourneyStats },
      },
    },
    (request) => {
      const { store } = built();
      if (store.getJourney(request.params.name) === undefined) throw missing(request.params.name);
      return Promise.resolve({ steps: store.stats(request.params.name) });
    },
  );
  done();
};
