import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { PrivacyService } from '../../privacy/privacy-service.js';
import {
  ErasureAccepted,
  IdentifierBody,
  UnsuppressAnswer,
  VerificationSecret,
} from '../../privacy/privacy.schema.js';

/** Data subject requests (admin). */
export const privacyRoutes: FastifyPluginCallbackTypebox<{
  privacy: PrivacyService;
  /** The identity verification secret (`userHash`). */
  identitySecret: () => string;
}> = (app, { privacy, identitySecret }, done) => {
  app.post(
    '/v1/privacy/export',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          'Everything held about a person: profile, identifiers, traits with provenance, events, memberships, consents, decisions',
        body: IdentifierBody,
      },
    },
    async (request) => privacy.export(request.body.identifier),
  );
  app.post(
    '/v1/privacy/erase',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          'Erase a person: their events and everything derived, in every file; their identifiers are suppressed (nothing naming them is kept, decided or sent) until an admin lifts it',
        body: IdentifierBody,
        response: {
          202: ErasureAccepted,
        },
      },
    },
    async (request, reply) => {
      const source = `key:${request.principal?.name ?? 'unknown'}`;
      const accepted = await privacy.erase(request.body.identifier, source);
      return reply.status(202).send({ ...accepted, status: 'accepted' as const });
    },
  );
  app.post(
    '/v1/privacy/unsuppress',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          "Lift an erased identifier's suppression (admin only, audited): messages naming it are kept again. Nothing a message says (consent included) lifts one",
        body: IdentifierBody,
        response: { 200: UnsuppressAnswer },
      },
    },
    async (request) => {
      const { identifier } = request.body;
      await privacy.unsuppress(identifier);
      return { identifier, lifted: true as const };
    },
  );
  app.get(
    '/v1/identity-verification/secret',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['decide'],
        summary:
          "The identity verification secret (admin only, audited): a site's backend signs each signed-in userId with it, as `userHash` = hex HMAC-SHA256(secret, userId), so decisions asked with the write key may show that person's personal traits",
        response: {
          200: VerificationSecret,
        },
      },
    },
    () => ({
      secret: identitySecret(),
      algorithm: 'HMAC-SHA256' as const,
      encoding: 'hex' as const,
    }),
  );
  done();
};
