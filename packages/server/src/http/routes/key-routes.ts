import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import type { KeyRegistry } from '../../keys/key-registry.js';
import {
  KeyBody,
  KeyCreated,
  KeyList,
  KeyName,
  KeyPatchBody,
  KeyPatched,
} from '../../keys/keys.schema.js';

/** API keys: made with a role and an optional rate limit, listed without their secrets, revoked by name. */
export const keyRoutes: FastifyPluginCallbackTypebox<{ keys: KeyRegistry; now: () => number }> = (
  app,
  { keys, now },
  done,
) => {
  const tags = ['keys'];
  app.get(
    '/v1/keys',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'All keys (names, roles and limits, never the keys)',
        response: {
          200: KeyList,
        },
      },
    },
    async () => ({ keys: await keys.list() }),
  );
  app.put(
    '/v1/keys/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'Create (or replace) a key; the key is shown only in this answer',
        params: KeyName,
        body: KeyBody,
        response: {
          200: KeyCreated,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { role, rateLimit } = request.body;
      const key = await keys.create(name, role, new Date(now()), undefined, rateLimit);
      const inForce = (await keys.list()).find((k) => k.name === name)?.rateLimit ?? null;
      return { name, role, key, rateLimit: inForce };
    },
  );
  app.patch(
    '/v1/keys/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary:
          "Change a key's rate limit, keeping the key (without `rateLimit`: back to its role's default)",
        params: KeyName,
        body: KeyPatchBody,
        response: {
          200: KeyPatched,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const changed = await keys.setRateLimit(name, request.body.rateLimit);
      if (changed === false) throw new TailorError('not_found', `no active key named ${name}`);
      return { name, ...changed };
    },
  );
  app.delete(
    '/v1/keys/:name',
    {
      config: { access: 'manage' },
      schema: {
        tags,
        summary: 'Revoke a key: it is refused (401) from the next request on',
        params: KeyName,
      },
    },
    async (request, reply) => {
      if (!(await keys.revoke(request.params.name, new Date(now())))) {
        throw new TailorError('not_found', `no active key named ${request.params.name}`);
      }
      return reply.status(204).send();
    },
  );
  done();
};
