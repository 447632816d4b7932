import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Decision, PlacementBody } from '@tailor/core';
import { Arms } from '../../decide/arms.schema.js';
import {
  DecideAnswer,
  DecideBody,
  Placement,
  PlacementList,
  PlacementName,
  PreviewBody,
} from '../../decide/decide.schema.js';
import type { PlacementService } from '../../decide/placement-service.js';
import { seesPersonalData } from '../reader-view.js';

/** Placements (define) and real-time decisions (write key, from browsers too). */
export const decideRoutes: FastifyPluginCallbackTypebox<{ placements: PlacementService }> = (
  app,
  { placements },
  done,
) => {
  const tags = ['decide'];
  app.put(
    '/v1/placements/:name',
    {
      config: { access: 'define' },
      schema: {
        tags,
        summary:
          'Create or replace a placement: items with rules, priorities, schedules, caps and templates',
        params: PlacementName,
        body: PlacementBody,
        response: { 200: Placement },
      },
    },
    async (request) => placements.put(request.params.name, request.body),
  );
  app.get(
    '/v1/placements',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Every placement',
        response: { 200: PlacementList },
      },
    },
    async () => ({ items: await placements.list() }),
  );
  app.get(
    '/v1/placements/:name',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'One placement',
        params: PlacementName,
        response: { 200: Placement },
      },
    },
    async (request) => placements.get(request.params.name),
  );
  app.delete(
    '/v1/placements/:name',
    {
      config: { access: 'define' },
      schema: { tags, summary: 'Delete a placement', params: PlacementName },
    },
    async (request, reply) => {
      await placements.delete(request.params.name);
      return reply.status(204).send();
    },
  );
  app.get(
    '/v1/placements/:name/arms',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          "What a placement that optimizes has learnt: each item's exposures and conversions, as the decider reads them",
        params: PlacementName,
        response: { 200: Arms },
      },
    },
    async (request) => placements.arms(request.params.name),
  );
  app.post(
    '/v1/placements/:name/preview',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Render a placement for a profile (or one item with `itemId`) without recording an exposure',
        params: PlacementName,
        body: PreviewBody,
        response: { 200: Decision },
      },
    },
    async (request) => {
      const { itemId, context = {} } = request.body;
      // Rendered from the reader's view: personal traits masked as the profile API masks them for this role.
      const asker = seesPersonalData(request.principal) ? 'full' : 'reader';
      return placements.preview(request.params.name, request.body, { itemId, context, asker });
    },
  );
  app.post(
    '/v1/decide',
    {
      config: { access: 'collect' },
      schema: {
        tags,
        summary:
          'Decide what a person sees in each placement; callable from a browser with the write key',
        body: DecideBody,
        response: { 200: DecideAnswer },
      },
      // The schema documents the answer; the decider builds it to that shape (typed), and V8's
      // JSON.stringify writes it in half the time of the schema's serializer, which escapes the
      // reasons (rules with quoted strings) character by character: ~5 against ~11 us.
      serializerCompiler: () => (answer) => JSON.stringify(answer),
    },
    async (request) => {
      const { userId, anonymousId, context = {}, userHash } = request.body;
      // The write key is public: personal traits only where listed or proven, reasons by id (docs/security.md).
      const asker = request.principal?.role === 'admin' ? 'full' : 'public';
      return {
        decisions: await placements.decide({
          userId,
          anonymousId,
          placements: request.body.placements,
          context,
          userHash,
          asker,
        }),
      };
    },
  );
  done();
};
