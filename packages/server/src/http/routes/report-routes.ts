import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { AttributionRequest, AttributionResult } from '@tailor/core';
import type { AttributionService } from '../../reports/attribution-service.js';

/** Reports over the log (viewer key or higher). */
export const reportRoutes: FastifyPluginCallbackTypebox<{ attribution: AttributionService }> = (
  app,
  { attribution },
  done,
) => {
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
  done();
};
