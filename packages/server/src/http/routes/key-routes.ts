import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { TailorError } from '@tailor/core';
import { Type } from 'typebox';
import { RateLimit } from '../../keys/keys.schema.js';
import type { KeyRegistry } from '../../keys/key-registry.js';
import { RoleSchema } from '../../store/state-store.js';

const KeyName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
});
const OwnRateLimit = Type.Optional(
  Type.Union([RateLimit, Type.Null()], {
    description:
      "The key's own limit; null for none; absent for its role's default (`keys.rateLimits` in the config)",
  }),
);
const InForce = Type.Union([RateLimit, Type.Null()], {
  description: "The limit in force (its own, else its role's default); null for none",
});

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
          200: Type.Object({
            keys: Type.Array(
              Type.Object({
                name: Type.String(),
                role: RoleSchema,
                createdAt: Type.String(),
                revokedAt: Type.Union([Type.String(), Type.Null()]),
                rateLimit: InForce,
              }),
            ),
          }),
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
        body: Type.Object(
          { role: RoleSchema, rateLimit: OwnRateLimit },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            name: Type.String(),
            role: RoleSchema,
            key: Type.String(),
            rateLimit: InForce,
          }),
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
        body: Type.Object({ rateLimit: OwnRateLimit }, { additionalProperties: false }),
        response: {
          200: Type.Object({ name: Type.String(), role: RoleSchema, rateLimit: InForce }),
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
