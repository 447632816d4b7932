import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { UnsubscribeService } from '../../journeys/unsubscribe-service.js';
import { UnsubscribeAnswer, UnsubscribeToken } from '../../journeys/journey.schema.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>Unsubscribed</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>You are unsubscribed</h1><p>You will not receive marketing email from us any more.</p>
</body></html>`;

/**
 * The signed unsubscribe link of journey emails, public (it is in the email): `GET` shows a page,
 * `POST` is the one-click unsubscribe of RFC 8058 (a form body `List-Unsubscribe=One-Click`, which
 * is read and ignored: the signed token in the path says who). Both record the refusal.
 */
export const unsubscribeRoutes: FastifyPluginCallbackTypebox<{
  unsubscribe: UnsubscribeService;
}> = (app, { unsubscribe }, done) => {
  // Mail clients post a form (RFC 8058 §3.1); the body says nothing the token does not.
  // The app's form parser (JSON for the collection routes) is replaced in this plugin only.
  app.removeContentTypeParser('application/x-www-form-urlencoded');
  app.addContentTypeParser(
    ['application/x-www-form-urlencoded', 'multipart/form-data'],
    { parseAs: 'string', bodyLimit: 4096 },
    (_request, _body, parsed) => {
      parsed(null, {});
    },
  );
  app.get(
    '/v1/unsubscribe',
    {
      config: { access: 'public' },
      schema: {
        tags: ['journeys'],
        summary:
          "A journey email's unsubscribe link: refuses marketing for its person, and says so",
        querystring: UnsubscribeToken,
      },
    },
    async (request, reply) => {
      await unsubscribe.unsubscribe(request.query.t);
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .type('text/html; charset=utf-8')
        .send(PAGE);
    },
  );
  app.post(
    '/v1/unsubscribe',
    {
      config: { access: 'public' },
      schema: {
        tags: ['journeys'],
        summary: "One-click unsubscribe (RFC 8058): refuses marketing for the signed link's person",
        querystring: UnsubscribeToken,
        response: { 200: UnsubscribeAnswer },
      },
    },
    async (request) => {
      await unsubscribe.unsubscribe(request.query.t);
      return { unsubscribed: true as const };
    },
  );
  done();
};
