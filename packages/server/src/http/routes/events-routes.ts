import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError, type PiiPolicy } from '@tailor/core';
import type { ProfileService } from '../../profiles/profile-service.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { readerView } from '../reader-view.js';
import { EventsPage, EventsQuery } from '../../profiles/profile.schema.js';

/**
 * Reading the log: one person's events by userId or anonymousId in log order, or the whole log
 * newest first, filtered (the dashboard's live events); cursor-paged, personal fields masked
 * but for admin keys.
 */
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
        summary: 'Events of one userId or anonymousId, or the newest of the whole log, filtered',
        querystring: EventsQuery,
        response: { 200: EventsPage },
      },
    },
    async (request) => {
      const { userId, anonymousId, limit = 100, cursor, type, event, source } = request.query;
      if (userId !== undefined && anonymousId !== undefined)
        throw new TailorError('invalid_request', 'give at most one of userId or anonymousId');
      const person = userId ?? anonymousId;
      const filtered = type !== undefined || event !== undefined || source !== undefined;
      // The contract's read (one person, no filter) stays oldest first; anything else is newest first.
      const order = request.query.order ?? (person === undefined || filtered ? 'desc' : 'asc');
      const at = cursor === undefined ? undefined : decodeCursor(cursor);
      const view = readerView(request.principal, pii());
      if (order === 'desc') {
        const page = await profiles.latestEvents({
          before: at,
          limit,
          type,
          event,
          source,
          userId,
          anonymousId,
        });
        return {
          events: page.events.map(view.message),
          next: page.next === null ? null : encodeCursor(page.next),
        };
      }
      if (person === undefined)
        throw new TailorError(
          'invalid_request',
          'the whole log is read newest first (order=desc); order=asc reads one userId or anonymousId',
        );
      if (filtered)
        throw new TailorError(
          'invalid_request',
          'type, event and source filter the newest-first read: add order=desc',
        );
      const page = await profiles.eventsOf({
        kind: userId !== undefined ? 'userId' : 'anonymousId',
        value: person,
        after: at ?? 0,
        limit,
      });
      return {
        events: page.events.map(view.message),
        next: page.next === null ? null : encodeCursor(page.next),
      };
    },
  );
  done();
};
