import type { FastifyInstance } from 'fastify';
import { buildServices } from '../build-services.js';
import type { Tailor } from '../open-tailor.js';
import { auditRoutes } from './routes/audit-routes.js';
import { collectRoutes } from './routes/collect-routes.js';
import { dashboardRoutes } from './routes/dashboard-routes.js';
import { decideRoutes } from './routes/decide-routes.js';
import { definitionRoutes } from './routes/definition-routes.js';
import { destinationRoutes } from './routes/destination-routes.js';
import { eventsRoutes } from './routes/events-routes.js';
import { experimentRoutes } from './routes/experiment-routes.js';
import { journeyRoutes } from './routes/journey-routes.js';
import { keyRoutes } from './routes/key-routes.js';
import { privacyRoutes } from './routes/privacy-routes.js';
import { recommenderRoutes } from './routes/recommender-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { modelRoutes } from './routes/model-routes.js';
import { clusteringRoutes } from './routes/clustering-routes.js';
import { sourceRoutes } from './routes/source-routes.js';
import { profileRoutes } from './routes/profile-routes.js';
import { reportRoutes } from './routes/report-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { sdkRoutes } from './routes/sdk-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { trackingPlanRoutes } from './routes/tracking-plan-routes.js';
import { unsubscribeRoutes } from './routes/unsubscribe-routes.js';
import { emailTrackingRoutes } from './routes/email-tracking-routes.js';

/** Every route prefix in one place; a plugin given its services only is thin (parse, authorize, call, answer). */
export async function registerRoutes(app: FastifyInstance, tailor: Tailor): Promise<void> {
  const services = buildServices(tailor);
  const { pii } = tailor;
  const { background, metrics, collector } = tailor;
  await app.register(systemRoutes, {
    background,
    metrics,
    publicMetrics: tailor.config.http.publicMetrics,
  });
  await app.register(collectRoutes, { collector, limits: tailor.config.limits });
  await app.register(eventsRoutes, { profiles: services.profiles, pii });
  await app.register(profileRoutes, { profiles: services.profiles, pii });
  await app.register(reviewRoutes, { matching: services.matching });
  await app.register(destinationRoutes, { destinations: services.destinations });
  await app.register(trackingPlanRoutes, { plans: services.plans });
  const { definitions } = services;
  await app.register(definitionRoutes, {
    definitions,
    kind: 'computed',
    base: '/v1/computed-traits',
  });
  await app.register(definitionRoutes, {
    definitions,
    kind: 'segment',
    base: '/v1/segments',
    estimator: services.segmentEstimator,
  });
  await app.register(decideRoutes, { placements: services.placements });
  await app.register(experimentRoutes, { experiments: services.experiments });
  await app.register(recommenderRoutes, { recommenders: services.recommenders });
  await app.register(catalogRoutes, { catalog: tailor.catalog });
  await app.register(modelRoutes, { models: services.models });
  await app.register(clusteringRoutes, { clusterings: services.clusterings });
  await app.register(sourceRoutes, { sources: services.sources });
  await app.register(journeyRoutes, {
    ...tailor.journeys,
    personOf: async (identifier) => (await services.profiles.holder(identifier)).id,
  });
  await app.register(unsubscribeRoutes, { unsubscribe: services.unsubscribe });
  await app.register(emailTrackingRoutes, { tracking: services.emailTracking });
  await app.register(privacyRoutes, {
    privacy: services.privacy,
    identitySecret: () => tailor.identity.secret,
  });
  await app.register(keyRoutes, { keys: tailor.keys, now: tailor.now });
  await app.register(auditRoutes, { audit: tailor.audit });
  await app.register(reportRoutes, {
    attribution: services.attribution,
    channelRules: services.channelRules,
    funnels: services.funnels,
    retention: services.retention,
    kpis: services.kpis,
    quality: services.quality,
    activity: services.activity,
  });
  await app.register(sdkRoutes);
  await app.register(dashboardRoutes);
}
