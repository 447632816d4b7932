import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import {
  DeliveriesPage,
  DeliveriesQuery,
  DestinationBody,
  DestinationList,
  DestinationName,
  DestinationView,
} from '../../destinations/destination.schema.js';
import type { DestinationService } from '../../destinations/destination-service.js';
import { seesPersonalData } from '../reader-view.js';

/** Destinations (webhooks, warehouses): definitions (secrets and passwords are never shown back), delivery status and failures. */
export const destinationRoutes: FastifyPluginCallbackTypebox<{
  destinations: DestinationService;
}> = (app, { destinations }, done) => {
  app.put(
    '/v1/destinations/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['destinations'],
        summary:
          'Create or replace a destination (a webhook or a PostgreSQL warehouse); a new one receives events from now on',
        params: DestinationName,
        body: DestinationBody,
        response: { 200: DestinationView },
      },
    },
    async (request) => {
      // Only a key that sees personal data may send it on as it is.
      if (request.body.pii === 'include' && !seesPersonalData(request.principal)) {
        throw new TailorError('forbidden', 'only an admin key may set pii to include');
      }
      return destinations.put(request.params.name, request.body);
    },
  );
  app.get(
    '/v1/destinations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['destinations'],
        summary: 'Every destination',
        response: { 200: DestinationList },
      },
    },
    async () => ({ items: await destinations.list() }),
  );
  app.get(
    '/v1/destinations/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['destinations'],
        summary: 'A destination with its delivery counts',
        params: DestinationName,
        response: { 200: DestinationView },
      },
    },
    async (request) => destinations.get(request.params.name),
  );
  app.get(
    '/v1/destinations/:name/deliveries',
    {
      config: { access: 'read' },
      schema: {
        tags: ['destinations'],
        summary: 'Recent deliveries, newest first; `status=failed` lists what gave up and why',
        params: DestinationName,
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesPage },
      },
    },
    async (request) => {
      const list = await destinations.deliveries(request.params.name, {
        status: request.query.status,
        limit: request.query.limit ?? 100,
      });
      return {
        deliveries: list.map((d) => ({
          id: d.id,
          messageId: d.message.messageId,
          event: d.message.event ?? null,
          status: d.status,
          attempts: d.attempts,
          nextAttemptAt: d.status === 'pending' ? new Date(d.nextAt).toISOString() : null,
          lastError: d.lastError,
          createdAt: d.createdAt,
          deliveredAt: d.deliveredAt,
        })),
      };
    },
  );
  app.delete(
    '/v1/destinations/:name',
    {
      config: { access: 'define' },
      schema: {
        tags: ['destinations'],
        summary: 'Delete a destination and its queued deliveries',
        params: DestinationName,
      },
    },
    async (request, reply) => {
      await destinations.delete(request.params.name);
      return reply.code(204).send();
    },
  );
  done();
};
