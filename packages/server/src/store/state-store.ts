import { Type, type Static } from 'typebox';
import type {
  ComputedNode,
  Condition,
  PlacementBody,
  References,
  TrackingPlan,
  Violation,
} from '@tailor/core';
import type { PlanViolation } from '@tailor/core';
import type { ExperimentBody } from '../experiments/experiment-body.js';
import type { RateLimit } from '../keys/keys.schema.js';

/** The roles a key can have: write (collect, decide), viewer, marketer, admin. */
export const RoleSchema = Type.Union([
  Type.Literal('write'),
  Type.Literal('viewer'),
  Type.Literal('marketer'),
  Type.Literal('admin'),
]);
export type Role = Static<typeof RoleSchema>;

export interface KeyRecord {
  name: string;
  role: Role;
  /** sha256 of the key; the key itself is shown once and never stored. */
  hash: string;
  createdAt: string;
  revokedAt: string | null;
  /** The key's own limit; null for none; absent (undefined) for its role's default from the config. */
  rateLimit?: RateLimit | null;
}

export type DefinitionKind = 'segment' | 'computed';

/** A segment or computed trait definition as stored: canonical text, tree and what it reads. */
export interface StoredDefinition {
  kind: DefinitionKind;
  name: string;
  text: string;
  tree: Condition | ComputedNode;
  references: References;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A placement as stored: the body as given, with its name, version and times. */
export interface StoredPlacement extends PlacementBody {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** An experiment as stored: the body as given, with its name, version, times and its slice of its layer. */
export interface StoredExperiment extends ExperimentBody {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** In a layer: the slice [start, end) of the layer's units it holds, kept while it runs so nobody moves. */
  layerRange?: [number, number];
}

/**
 * The state store's port: definitions and small state the server keeps beside the log. The
 * embedded adapter is SQLite; the scale-out one is PostgreSQL.
 */
export interface StateStore {
  keys: {
    list(): Promise<KeyRecord[]>;
    put(key: KeyRecord): Promise<void>;
    revoke(name: string, at: string): Promise<boolean>;
    /** Sets an active key's own limit (undefined: back to its role's default); false when there is no such key. */
    setRateLimit(name: string, rateLimit: RateLimit | null | undefined): Promise<boolean>;
  };
  trackingPlans: {
    list(): Promise<TrackingPlan[]>;
    put(plan: TrackingPlan): Promise<void>;
    delete(target: string): Promise<boolean>;
  };
  definitions: {
    list(kind: DefinitionKind): Promise<StoredDefinition[]>;
    get(kind: DefinitionKind, name: string): Promise<StoredDefinition | undefined>;
    put(definition: StoredDefinition): Promise<void>;
    delete(kind: DefinitionKind, name: string): Promise<boolean>;
  };
  placements: {
    list(): Promise<StoredPlacement[]>;
    get(name: string): Promise<StoredPlacement | undefined>;
    put(placement: StoredPlacement): Promise<void>;
    delete(name: string): Promise<boolean>;
  };
  experiments: {
    list(): Promise<StoredExperiment[]>;
    get(name: string): Promise<StoredExperiment | undefined>;
    put(experiment: StoredExperiment): Promise<void>;
    delete(name: string): Promise<boolean>;
  };
  violations: {
    /** Adds counts for violations seen at `at`. */
    record(violations: readonly PlanViolation[], at: string): Promise<void>;
    list(filter: { event?: string }): Promise<Violation[]>;
  };
  close(): Promise<void>;
}
