import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';
import { RoleSchema } from '../../store/state-store.js';

const KeyName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }) });

/** API keys: made with a role, listed without their secrets, revoked by name. */
export const keyRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (app, { tailor }, done) => {
  const tags = ['keys'];
  app.get(
    '/v1/keys',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'All keys (names and roles, never the keys)',
        response: {
          200: Type.Object({
            keys: Type.Array(
              Type.Object({ name: Type.String(), role: RoleSchema, createdAt: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) }),
            ),
          }),
        },
      },
    },
    async () => ({ keys: await tailor.keys.list() }),
  );
  app.put(
    '/v1/keys/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'Create (or replace) a key; the key is shown only in this answer',
        params: KeyName,
        body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
        response: { 200: Type.Object({ name: Type.String(), role: RoleSchema, key: Type.String() }) },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { role } = request.body;
      const key = await tailor.keys.create(name, role, new Date(tailor.now()));
      return { name, role, key };
    },
  );
  app.delete(
    '/v1/keys/:name',
    { config: { access: 'manage' }, schema: { tags, summary: 'Revoke a key', params: KeyName } },
    async (request, reply) => {
      if (!(await tailor.keys.revoke(request.params.name, new Date(tailor.now())))) {
        throw new TailorError('not_found', `no active key named ${request.params.name}`);
      }
      return reply.status(204).send();
    },
  );
  done();
};
