import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError, type PiiPolicy } from '@tailor/core';
import type { ProfileService } from '../../profiles/profile-service.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { readerView } from '../reader-view.js';
import { EventsPage, EventsQuery } from '../../profiles/profile.schema.js';

/** Reading the log: one person's events by userId or anonymousId, cursor-paged; personal fields masked but for admin keys. */
export const eventsRoutes: FastifyPluginCallbackTypebox<{
  profiles: ProfileService;
  pii: () => PiiPolicy;
}> = (app, { profiles, pii }, done) => {
  app.get(
    '/v1/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Events of one userId or anonymousId',
        querystring: EventsQuery,
        response: { 200: EventsPage },
      },
    },
    async (request) => {
      const { userId, anonymousId, limit = 100, cursor } = request.query;
      if ((userId === undefined) === (anonymousId === undefined)) {
        throw new TailorError('invalid_request', 'give exactly one of userId or anonymousId');
      }
      const page = await profiles.eventsOf({
        kind: userId !== undefined ? 'userId' : 'anonymousId',
        value: userId ?? anonymousId ?? '',
        after: cursor === undefined ? 0 : decodeCursor(cursor),
        limit,
      });
      const view = readerView(request.principal, pii());
      return {
        events: page.events.map(view.message),
        next: page.next === null ? null : encodeCursor(page.next),
      };
    },
  );
  done();
};
