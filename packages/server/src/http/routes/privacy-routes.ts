import { randomUUID } from 'node:crypto';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { formatTimestamp } from '@tailor/core';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';
import { exportPerson, personOf } from '../../privacy/export-person.js';

const Identifier = Type.Object(
  { identifier: Type.String({ minLength: 3, maxLength: 1100, description: '`TYPE:VALUE`, e.g. `email:ann@example.com`' }) },
  { additionalProperties: false },
);

/** Data subject requests (admin). */
export const privacyRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (app, { tailor }, done) => {
  app.post(
    '/v1/privacy/export',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['privacy'],
        summary: 'Everything held about a person: profile, identifiers, traits with provenance, events, memberships, consents, decisions',
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
        summary: "Erase a person: their events and everything derived, in every file, and drop their later messages until they consent again",
        body: Identifier,
        response: { 202: Type.Object({ requestId: Type.String(), profileId: Type.String(), status: Type.Literal('accepted') }) },
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
          tailor: { source: `key:${request.principal?.name ?? 'unknown'}`, erase: { profileId: stored.id, requestId } },
        },
      ]);
      tailor.background.wake();
      return reply.status(202).send({ requestId, profileId: stored.id, status: 'accepted' as const });
    },
  );
  done();
};
