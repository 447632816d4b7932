import { TrackingPlanService } from './collect/tracking-plan-service.js';
import { DestinationService } from './destinations/destination-service.js';
import { MatchingService } from './matching/matching-service.js';
import type { Tailor } from './open-tailor.js';
import { PrivacyService } from './privacy/privacy-service.js';
import { ProfileService } from './profiles/profile-service.js';
import { DefinitionService } from './segments/definition-service.js';

/** The services per noun that routes and commands call; each is given only the adapters it uses. */
export interface Services {
  profiles: ProfileService;
  privacy: PrivacyService;
  destinations: DestinationService;
  definitions: DefinitionService;
  matching: MatchingService;
  plans: TrackingPlanService;
}

/** Builds the services over an open Tailor (they hold no state of their own). */
export function buildServices(tailor: Tailor): Services {
  const wake = (): void => {
    tailor.background.wake();
  };
  const profiles = new ProfileService({
    profiles: tailor.profiles,
    log: tailor.log,
    indexingConsumers: tailor.indexingConsumers,
    segmentNames: () => tailor.definitions.segmentNames,
    defaultRegion: tailor.config.defaultRegion,
    purposes: tailor.config.privacy.purposes,
    now: tailor.now,
    wake,
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
      now: tailor.now,
      wake,
    }),
    destinations: new DestinationService({
      destinations: tailor.destinations,
      log: tailor.log,
      allowInternal: tailor.config.destinations.allowInternal,
      now: tailor.now,
      wake,
    }),
    definitions: new DefinitionService({
      definitions: tailor.definitions,
      backfills: tailor.profiles.backfills,
      members: (segment, after, limit) => tailor.profiles.members(segment, after, limit),
      now: tailor.now,
    }),
    plans: new TrackingPlanService({
      plans: tailor.plans,
      violations: tailor.store.violations,
      flushViolations: () => tailor.collector.flushViolations(),
      plansChanged: () => tailor.changed('plans'),
      now: tailor.now,
    }),
    matching: new MatchingService({
      profiles: tailor.profiles,
      log: tailor.log,
      now: tailor.now,
      wake,
    }),
  };
}
