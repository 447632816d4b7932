import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';
import { exportPerson } from '../../privacy/export-person.js';

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
  done();
};
