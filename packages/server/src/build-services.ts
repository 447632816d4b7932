import { TrackingPlanService } from './collect/tracking-plan-service.js';
import { PlacementService } from './decide/placement-service.js';
import type { KnownNames } from './decide/placements.js';
import { ExperimentService } from './experiments/experiment-service.js';
import { DestinationService } from './destinations/destination-service.js';
import { MatchingService } from './matching/matching-service.js';
import type { Tailor } from './open-tailor.js';
import { PrivacyService } from './privacy/privacy-service.js';
import { ProfileService } from './profiles/profile-service.js';
import { AttributionService } from './reports/attribution-service.js';
import { ChannelRuleService } from './reports/channel-rule-service.js';
import { FunnelService } from './reports/funnel-service.js';
import { KpiService } from './reports/kpi-service.js';
import { QualityService } from './reports/quality-service.js';
import { ActivityService } from './reports/activity-service.js';
import { RetentionService } from './reports/retention-service.js';
import { RecommenderService } from './recommend/recommender-service.js';
import type { ModelService } from './models/model-service.js';
import type { ClusteringService } from './clusters/clustering-service.js';
import { DefinitionService } from './segments/definition-service.js';
import { SegmentEstimator } from './segments/segment-estimator.js';
import type { SourceService } from './sources/source-service.js';
import { UnsubscribeService } from './journeys/unsubscribe-service.js';
import { EmailTrackingService } from './journeys/email-tracking-service.js';
import { emailEventRecorder } from './journeys/email-events.js';

/** The services per noun that routes and commands call; each is given only the adapters it uses. */
export interface Services {
  profiles: ProfileService;
  privacy: PrivacyService;
  destinations: DestinationService;
  definitions: DefinitionService;
  segmentEstimator: SegmentEstimator;
  matching: MatchingService;
  plans: TrackingPlanService;
  placements: PlacementService;
  experiments: ExperimentService;
  attribution: AttributionService;
  channelRules: ChannelRuleService;
  funnels: FunnelService;
  retention: RetentionService;
  kpis: KpiService;
  quality: QualityService;
  activity: ActivityService;
  recommenders: RecommenderService;
  models: ModelService;
  clusterings: ClusteringService;
  sources: SourceService;
  unsubscribe: UnsubscribeService;
  emailTracking: EmailTrackingService;
}

/** Builds the services over an open Tailor (they hold no state of their own). */
export function buildServices(tailor: Tailor): Services {
  const wake = (): void => {
    tailor.background.wake();
  };
  const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const reports = { log: tailor.log, profiles: tailor.profiles, pause };
  const channelRuleService = new ChannelRuleService({
    store: tailor.channelRules,
    now: tailor.now,
  });
  const channelRules = () => channelRuleService.rules();
  const profiles = new ProfileService({
    profiles: tailor.profiles,
    log: tailor.log,
    indexingConsumers: tailor.indexingConsumers,
    segmentNames: () => tailor.definitions.segmentNames,
    defaultRegion: tailor.config.defaultRegion,
    purposes: tailor.config.privacy.purposes,
    identifierTypes: tailor.config.identity.identifiers.map((rule) => rule.type),
    now: tailor.now,
    wake,
    suppressed: (message) => tailor.suppressions.drops(message),
  });
  return {
    profiles,
    privacy: new PrivacyService({
      profiles,
      store: tailor.profiles,
      log: tailor.log,
      audit: tailor.audit,
      suppressions: tailor.suppressions,
      suppressionsChanged: () => tailor.changed('suppressions'),
      fence: () => tailor.profiles.definitions.changed(),
      now: tailor.now,
      wake,
      erasureRequested: () => {
        tailor.recommenders.retrainAll();
      },
    }),
    destinations: new DestinationService({
      destinations: tailor.destinations,
      log: tailor.log,
      allowInternal: tailor.config.destinations.allowInternal,
      now: tailor.now,
      changed: () => void tailor.changed('destinations'),
    }),
    definitions: new DefinitionService({
      definitions: tailor.definitions,
      backfills: tailor.profiles.backfills,
      members: (segment, after, limit) => tailor.profiles.members(segment, after, limit),
      sizes: tailor.profiles.segmentSizes,
      now: tailor.now,
    }),
    segmentEstimator: new SegmentEstimator({
      definitions: tailor.definitions,
      profiles: tailor.profiles,
      log: tailor.log,
      pii: tailor.pii,
      purposes: tailor.config.privacy.purposes,
      now: tailor.now,
    }),
    placements: new PlacementService({
      placements: tailor.placements,
      experiments: tailor.experiments,
      bandits: tailor.bandits,
      decider: tailor.decider,
      identity: tailor.identity,
      profiles: tailor.profiles,
      known: () => knownNames(tailor),
      audiences: tailor.audiences,
      placementsChanged: () => tailor.changed('placements'),
      now: tailor.now,
    }),
    experiments: new ExperimentService({
      experiments: tailor.experiments,
      log: tailor.log,
      known: () => knownNames(tailor),
      now: tailor.now,
      columns: () => tailor.projection,
    }),
    plans: new TrackingPlanService({
      plans: tailor.plans,
      violations: tailor.store.violations,
      flushViolations: () => tailor.collector.flushViolations(),
      plansChanged: () => tailor.changed('plans'),
      now: tailor.now,
    }),
    attribution: new AttributionService({
      ...reports,
      channelRules,
      projection: () => tailor.projection,
    }),
    channelRules: channelRuleService,
    funnels: new FunnelService({ ...reports, channelRules, projection: () => tailor.projection }),
    kpis: new KpiService({ log: tailor.log, profiles: tailor.profiles, pause }),
    quality: new QualityService({ log: tailor.log, now: tailor.now, pause }),
    activity: new ActivityService({
      ...reports,
      projection: () => tailor.projection,
      suppressed: (message) => tailor.suppressions.drops(message),
      now: tailor.now,
    }),
    retention: new RetentionService({
      ...reports,
      now: tailor.now,
      channelRules,
      projection: () => tailor.projection,
    }),
    models: tailor.models,
    clusterings: tailor.clusterings,
    recommenders: new RecommenderService({
      recommenders: tailor.recommenders,
      person: (identifier) => tailor.people.get(identifier),
      suppressed: (who) => tailor.suppressions.names(who),
      identity: tailor.identity,
      now: tailor.now,
    }),
    sources: tailor.sourceSyncs,
    unsubscribe: new UnsubscribeService({ links: tailor.journeys.links, profiles }),
    emailTracking: new EmailTrackingService({
      links: tailor.journeys.links,
      record: emailEventRecorder({
        log: tailor.log,
        profiles: tailor.profiles,
        now: tailor.now,
        stored: wake,
      }),
    }),
    matching: new MatchingService({
      profiles: tailor.profiles,
      log: tailor.log,
      now: tailor.now,
      wake,
    }),
  };
}

/** The segments and computed traits a rule may name now. */
function knownNames(tailor: Tailor): KnownNames {
  return {
    segments: tailor.definitions.segmentNames,
    computed: new Set(tailor.definitions.compiled?.computed.map((c) => c.name) ?? []),
  };
}
