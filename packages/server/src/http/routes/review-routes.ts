import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  MatchSummary,
  Review,
  ReviewDecision,
  ReviewParams,
  ReviewsPage,
  MatchRequest,
  ReviewsQuery,
} from '../../matching/review.schema.js';
import type { MatchingService } from '../../matching/matching-service.js';

/** Probabilistic matching of profiles, and the queue of pairs a person decides. */
export const reviewRoutes: FastifyPluginCallbackTypebox<{ matching: MatchingService }> = (
  app,
  { matching },
  done,
) => {
  app.post(
    '/v1/identity/match',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['profiles'],
        summary:
          'Match profiles that share no identifier (Fellegi–Sunter): merge the sure pairs, queue the unsure',
        body: MatchRequest,
        response: { 200: MatchSummary },
      },
    },
    async (request) => {
      // The body is optional: a bare POST matches with every choice made automatically.
      const body = request.body as { config?: Record<string, unknown> } | undefined;
      return matching.match({ config: body?.config, by: request.principal?.name ?? 'api' });
    },
  );

  app.get(
    '/v1/identity/reviews',
    {
      config: { access: 'read' },
      schema: {
        tags: ['profiles'],
        summary:
          'Pairs of profiles waiting for a decision (or decided), oldest first, cursor-paged',
        querystring: ReviewsQuery,
        response: {
          200: ReviewsPage,
        },
      },
    },
    async (request) => {
      const { status = 'pending', limit = 100, cursor = 0 } = request.query;
      return matching.reviews({ status, after: cursor, limit });
    },
  );

  app.post(
    '/v1/identity/reviews/:id',
    {
      config: { access: 'define' },
      schema: {
        tags: ['profiles'],
        summary:
          'Decide a pending pair: `match` merges the two profiles, `distinct` keeps them apart for good',
        params: ReviewParams,
        body: ReviewDecision,
        response: { 200: Review },
      },
    },
    async (request) => {
      const by = `key:${request.principal?.name ?? 'unknown'}`;
      return matching.decide(request.params.id, request.body.decision, by);
    },
  );
  done();
};
