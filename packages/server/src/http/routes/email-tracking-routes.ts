import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { EmailTrackingService } from '../../journeys/email-tracking-service.js';
import { TrackingToken } from '../../journeys/journey.schema.js';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Opens and clicks of journey emails, public (they are in the email; the signed token is the
 * proof): the pixel records `Email Opened`, a link records `Email Link Clicked` and redirects to
 * the one URL its token signs.
 */
export const emailTrackingRoutes: FastifyPluginCallbackTypebox<{
  tracking: EmailTrackingService;
}> = (app, { tracking }, done) => {
  app.get(
    '/v1/email/open',
    {
      config: { access: 'public' },
      schema: {
        tags: ['journeys'],
        summary: "A journey email's tracking pixel: records Email Opened for its person",
        querystring: TrackingToken,
      },
    },
    async (request, reply) => {
      await tracking.opened(request.query.t);
      return reply.header('cache-control', 'no-store').type('image/gif').send(PIXEL);
    },
  );
  app.get(
    '/v1/email/click',
    {
      config: { access: 'public' },
      schema: {
        tags: ['journeys'],
        summary:
          "A journey email's link: records Email Link Clicked and redirects to the URL it signs",
        querystring: TrackingToken,
      },
    },
    async (request, reply) => {
      const url = await tracking.clicked(request.query.t);
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(url, 302);
    },
  );
  done();
};
