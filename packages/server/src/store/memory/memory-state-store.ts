import type { TrackingPlan, Violation } from '@tailor/core';
import type {
  DefinitionKind,
  KeyRecord,
  StateStore,
  StoredDefinition,
  StoredExperiment,
  StoredPlacement,
} from '../state-store.js';

/** Strings in byte order (UTF-8), as the SQL adapters' binary collations compare them. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A copy through JSON, as a store that writes text gives back: nothing shared with the caller. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Values by name, listed in byte order, each given back as a copy. */
class Named<T> {
  private readonly values = new Map<string, string>();

  list(): T[] {
    return [...this.values.keys()]
      .sort(byteOrder)
      .map((name) => JSON.parse(this.values.get(name) as string) as T);
  }

  get(name: string): T | undefined {
    const text = this.values.get(name);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  put(name: string, value: T): void {
    this.values.set(name, JSON.stringify(value));
  }

  delete(name: string): boolean {
    return this.values.delete(name);
  }
}

/**
 * The state store kept in memory: keys, tracking plans, definitions, placements, experiments and
 * violation counts, with the behaviour of the SQLite and PostgreSQL adapters (the same contract
 * suite runs over all three). For tests and tools that need a Tailor without files; nothing
 * survives `close`.
 */
export function openMemoryStateStore(): StateStore {
  const keys = new Named<KeyRecord>();
  const plans = new Named<TrackingPlan>();
  const definitions = new Named<StoredDefinition>();
  const placements = new Named<StoredPlacement>();
  const experiments = new Named<StoredExperiment>();
  const violations = new Map<string, Violation>();
  const done = Promise.resolve();
  const definitionKey = (kind: DefinitionKind, name: string) => `${kind}\u0000${name}`;

  return {
    keys: {
      list: () => Promise.resolve(keys.list()),
      put: (key) => {
        if (keys.list().some((k) => k.hash === key.hash && k.name !== key.name))
          return Promise.reject(new Error(`a key with this hash exists (${key.name})`));
        keys.put(key.name, key);
        return done;
      },
      revoke: (name, at) => {
        const key = keys.get(name);
        if (key === undefined || key.revokedAt !== null) return Promise.resolve(false);
        keys.put(name, { ...key, revokedAt: at });
        return Promise.resolve(true);
      },
      setRateLimit: (name, rateLimit) => {
        const key = keys.get(name);
        if (key === undefined || key.revokedAt !== null) return Promise.resolve(false);
        const next: KeyRecord = { ...key, rateLimit };
        if (rateLimit === undefined) delete next.rateLimit; // absent: the role's default
        keys.put(name, next);
        return Promise.resolve(true);
      },
    },
    trackingPlans: {
      list: () => Promise.resolve(plans.list()),
      put: (plan) => {
        plans.put(plan.target, plan);
        return done;
      },
      delete: (target) => Promise.resolve(plans.delete(target)),
    },
    definitions: {
      list: (kind) =>
        Promise.resolve(
          definitions
            .list()
            .filter((d) => d.kind === kind)
            .sort((a, b) => byteOrder(a.name, b.name)),
        ),
      get: (kind, name) => Promise.resolve(definitions.get(definitionKey(kind, name))),
      put: (definition) => {
        definitions.put(definitionKey(definition.kind, definition.name), definition);
        return done;
      },
      delete: (kind, name) => Promise.resolve(definitions.delete(definitionKey(kind, name))),
    },
    placements: {
      list: () => Promise.resolve(placements.list()),
      get: (name) => Promise.resolve(placements.get(name)),
      put: (placement) => {
        placements.put(placement.name, placement);
        return done;
      },
      delete: (name) => Promise.resolve(placements.delete(name)),
    },
    experiments: {
      list: () => Promise.resolve(experiments.list()),
      get: (name) => Promise.resolve(experiments.get(name)),
      put: (experiment) => {
        experiments.put(experiment.name, experiment);
        return done;
      },
      delete: (name) => Promise.resolve(experiments.delete(name)),
    },
    violations: {
      record: (seen, at) => {
        for (const v of seen) {
          const key = `${v.event}\u0000${v.rule}`;
          const counted = violations.get(key);
          violations.set(key, {
            event: v.event,
            rule: v.rule,
            count: (counted?.count ?? 0) + 1,
            firstSeenAt: counted?.firstSeenAt ?? at,
            lastSeenAt: at,
            example: v.message,
          });
        }
        return done;
      },
      list: (filter) =>
        Promise.resolve(
          [...violations.values()]
            .filter((v) => filter.event === undefined || v.event === filter.event)
            .sort(
              (a, b) =>
                b.count - a.count || byteOrder(a.event, b.event) || byteOrder(a.rule, b.rule),
            )
            .map(copy),
        ),
    },
    close: () => done,
  };
}
