import type { Experiments } from '../experiments/experiments.js';
import { armsOf, factorsOf } from '../experiments/experiment-arms.js';
import type { ProfileReader } from '../store/profile-store.js';
import type { JourneyExperiments } from './journey-runner.js';
import { personIds } from './person-ids.js';

/**
 * Experiment splits over Tailor's experiments: a person (a profile id) is assigned by their
 * userId, else anonymousId, exactly as `POST /v1/experiments/NAME/assign` would for them, and the
 * exposure (`Experiment Viewed`) is recorded the same way. The stored definition is read each time,
 * as journeys run on another thread (or node) than the one experiments are saved through.
 */
export function journeyExperiments(deps: {
  experiments: () => Pick<Experiments, 'assignStored' | 'get'>;
  profiles: Pick<ProfileReader, 'identifiers'>;
  now: () => number;
}): JourneyExperiments {
  return {
    async arms(name) {
      const stored = await deps.experiments().get(name);
      if (stored === undefined) return undefined;
      const factors = factorsOf(stored) ?? [];
      return {
        variants: armsOf(stored).map((arm) => arm.id),
        factors: Object.fromEntries(factors.map((f) => [f.name, f.levels.map((l) => l.id)])),
      };
    },
    async assign(name, person) {
      const ids = await personIds(deps.profiles, person);
      // Erased, or known by no userId or anonymousId: not in the experiment.
      if (ids === undefined) return { variant: null };
      return deps
        .experiments()
        .assignStored(
          name,
          { userId: ids.userId ?? undefined, anonymousId: ids.anonymousId ?? undefined },
          deps.now(),
        );
    },
  };
}
