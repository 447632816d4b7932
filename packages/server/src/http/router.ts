import type { FastifyInstance } from 'fastify';
import type { Tailor } from '../open-tailor.js';
import { auditRoutes } from './routes/audit-routes.js';
import { collectRoutes } from './routes/collect-routes.js';
import { decideRoutes } from './routes/decide-routes.js';
import { definitionRoutes } from './routes/definition-routes.js';
import { destinationRoutes } from './routes/destination-routes.js';
import { eventsRoutes } from './routes/events-routes.js';
import { experimentRoutes } from './routes/experiment-routes.js';
import { keyRoutes } from './routes/key-routes.js';
import { privacyRoutes } from './routes/privacy-routes.js';
import { profileRoutes } from './routes/profile-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { sdkRoutes } from './routes/sdk-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { trackingPlanRoutes } from './routes/tracking-plan-routes.js';

/** Every route prefix in one place. */
export async function registerRoutes(app: FastifyInstance, tailor: Tailor): Promise<void> {
  await app.register(systemRoutes, { tailor });
  await app.register(collectRoutes, { tailor });
  await app.register(eventsRoutes, { tailor });
  await app.register(profileRoutes, { tailor });
  await app.register(reviewRoutes, { tailor });
  await app.register(destinationRoutes, { tailor });
  await app.register(trackingPlanRoutes, { tailor });
  await app.register(definitionRoutes, { tailor, kind: 'computed', base: '/v1/computed-traits' });
  await app.register(definitionRoutes, { tailor, kind: 'segment', base: '/v1/segments' });
  await app.register(decideRoutes, { tailor });
  await app.register(experimentRoutes, { tailor });
  await app.register(privacyRoutes, { tailor });
  await app.register(keyRoutes, { tailor });
  await app.register(auditRoutes, { tailor });
  await app.register(sdkRoutes);
}
