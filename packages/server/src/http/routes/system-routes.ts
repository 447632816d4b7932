import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tailor } from '../../open-tailor.js';

/** Health, Prometheus metrics and the OpenAPI document: public, no personal data. */
export const systemRoutes: FastifyPluginCallbackTypebox<{ tailor: Tailor }> = (app, { tailor }, done) => {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness and the log position',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            log: Type.Object({ events: Type.Integer(), lastPosition: Type.Integer(), bytes: Type.Integer() }),
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const, log: await tailor.log.stats() }),
  );
  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { tags: ['system'], summary: 'Prometheus metrics (text format)' } },
    async (_request, reply) => {
      const text = await tailor.metrics.registry.metrics();
      return reply.type(tailor.metrics.registry.contentType).send(text);
    },
  );
  app.get(
    '/openapi.json',
    { config: { access: 'public' }, schema: { hide: true } },
    () => app.swagger(),
  );
  done();
};
