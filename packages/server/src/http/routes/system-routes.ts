import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { Background } from '../../background/background.js';
import type { Metrics } from '../../metrics/metrics.js';
import { HealthBody } from '../health.schema.js';

/**
 * Health and the OpenAPI document, public; Prometheus metrics, which tell traffic and error rates,
 * for a key that may read unless `http.publicMetrics` opens them to a scraper on a private network.
 */
export const systemRoutes: FastifyPluginCallbackTypebox<{
  background: Background;
  metrics: Metrics;
  publicMetrics: boolean;
}> = (app, { background, metrics, publicMetrics }, done) => {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Readiness (for load balancers and orchestrators)',
        description:
          '`ready: true` once the background work (pipeline, dispatcher) runs, which `tailor serve` waits for before it listens; `ready: false` (status `starting`) while a failed worker restarts. Always 200: the process is alive.',
        response: { 200: HealthBody },
      },
    },
    () => {
      const ready = background.running();
      return {
        status: ready ? ('ok' as const) : ('starting' as const),
        ready,
        background: ready ? ('running' as const) : ('starting' as const),
      };
    },
  );
  app.get(
    '/metrics',
    {
      config: { access: publicMetrics ? 'public' : 'read' },
      schema: { tags: ['system'], summary: 'Prometheus metrics (text format)' },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
  done();
};
