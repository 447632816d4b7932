import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  AttributionRequest,
  AttributionResult,
  FunnelRequest,
  FunnelResult,
  RetentionRequest,
  RetentionResult,
} from '@tailor/core';
import type { AttributionService } from '../../reports/attribution-service.js';
import type { FunnelService } from '../../reports/funnel-service.js';
import type { RetentionService } from '../../reports/retention-service.js';

/** Reports over the log (viewer key or higher). */
export const reportRoutes: FastifyPluginCallbackTypebox<{
  attribution: AttributionService;
  funnels: FunnelService;
  retention: RetentionService;
}> = (app, { attribution, funnels, retention }, done) => {
  const tags = ['reports'];

  app.post(
    '/v1/reports/attribution',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'Multi-touch attribution of a conversion event to touchpoints (page events keyed by a UTM parameter): first_touch, last_touch, linear, position_based, time_decay, markov',
        body: AttributionRequest,
        response: { 200: AttributionResult },
      },
    },
    async (request) => attribution.attribution(request.body),
  );

  app.post(
    '/v1/reports/funnel',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'A conversion funnel: people reaching each step within a window (ordered, strict or any order), drop-off and time between steps',
        body: FunnelRequest,
        response: { 200: FunnelResult },
      },
    },
    async (request) => funnels.funnel(request.body),
  );

  app.post(
    '/v1/reports/retention',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary:
          'A retention matrix: cohorts by the calendar period of their first start event, and the share doing a return event in each later period',
        body: RetentionRequest,
        response: { 200: RetentionResult },
      },
    },
    async (request) => retention.retention(request.body),
  );
  done();
};
