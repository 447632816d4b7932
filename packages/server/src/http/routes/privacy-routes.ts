import { randomUUID } from 'node:crypto';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  formatTimestamp,
  normalizePhone,
  parseIdentifier,
  TailorError,
  type CountryCode,
} from '@tailor/core';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';
import { exportPerson, personOf } from '../../privacy/export-person.js';

const Identifier = Type.Object(
  {
    identifier: Type.String({
      minLength: 3,
      maxLength: 1100,
      description: '`TYPE:VALUE`, e.g. `email:ann@example.com`',
    }),
  },
  { additionalProperties: false },
);

/** Data subject requests (admin). */
export const privacyRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (
  app,
  { tailor },
  done,
) => {
  app.post(
    '/v1/privacy/export',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          'Everything held about a person: profile, identifiers, traits with provenance, events, memberships, consents, decisions',
        body: Identifier,
      },
    },
    async (request) => exportPerson(tailor, request.body.identifier),
  );
  app.post(
    '/v1/privacy/erase',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary:
          'Erase a person: their events and everything derived, in every file; their identifiers are suppressed (nothing naming them is kept, decided or sent) until an admin lifts it',
        body: Identifier,
        response: {
          202: Type.Object({
            requestId: Type.String(),
            profileId: Type.String(),
            status: Type.Literal('accepted'),
          }),
        },
      },
    },
    async (request, reply) => {
      const stored = await personOf(tailor, request.body.identifier);
      const now = formatTimestamp(tailor.now());
      // Suppressed first, so nothing sent from now on is kept; then the erasure takes its place in
      // the log, naming only the profile, and the pipeline carries it out when it gets there.
      await tailor.suppressions.add(await tailor.profiles.identifiers(stored.id), now);
      const requestId = randomUUID();
      await tailor.log.append([
        {
          type: 'track',
          event: 'Erasure Requested',
          messageId: `erase:${requestId}`,
          userId: null,
          anonymousId: null,
          timestamp: now,
          receivedAt: now,
          properties: { profileId: stored.id, requestId },
          context: {},
          tailor: {
            source: `key:${request.principal?.name ?? 'unknown'}`,
            erase: { profileId: stored.id, requestId },
          },
        },
      ]);
      tailor.background.wake();
      return reply
        .status(202)
        .send({ requestId, profileId: stored.id, status: 'accepted' as const });
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
        body: Identifier,
        response: { 200: Type.Object({ identifier: Type.String(), lifted: Type.Literal(true) }) },
      },
    },
    async (request) => {
      const { identifier } = request.body;
      const parsed = parseIdentifier(identifier, (v) =>
        normalizePhone(v, tailor.config.defaultRegion as CountryCode),
      );
      if (!parsed.ok) throw new TailorError('invalid_request', parsed.error);
      if (!(await tailor.suppressions.lift(parsed.value)))
        throw new TailorError('not_found', `${identifier} is not suppressed`);
      await tailor.changed('suppressions');
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
          200: Type.Object({
            secret: Type.String(),
            algorithm: Type.Literal('HMAC-SHA256'),
            encoding: Type.Literal('hex'),
          }),
        },
      },
    },
    () => ({
      secret: tailor.identity.secret,
      algorithm: 'HMAC-SHA256' as const,
      encoding: 'hex' as const,
    }),
  );
  done();
};
