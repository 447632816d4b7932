import type { ClusterModel, ClusteringBody } from '@tailor/core';

/** A clustering as stored: the body as given, with its name, definition version and times. */
export interface StoredClustering extends ClusteringBody {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Each clustered profile's cluster id at training, in two parallel lists. */
export interface ClusterAssignments {
  profileIds: readonly string[];
  clusters: Int32Array;
}

/**
 * Clusterings (docs/clusters.md): definitions, the model of the last training (centres,
 * preparation, personas) and the cluster each profile was put in by it, in state.sqlite or
 * PostgreSQL. Deleting a clustering deletes its model and assignments.
 */
export interface ClusteringStore {
  list(): Promise<StoredClustering[]>;
  get(name: string): Promise<StoredClustering | undefined>;
  put(clustering: StoredClustering): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Every trained model (one per clustering: the last training's). */
  models(): Promise<ClusterModel[]>;
  model(name: string): Promise<ClusterModel | undefined>;
  /**
   * Records a training's model and, when given, replaces the clustering's assignments with these,
   * in one transaction; without them (a persona renamed) only the model is replaced.
   */
  saveModel(model: ClusterModel, assignments?: ClusterAssignments): Promise<void>;
  /** The cluster id a profile was assigned at the last training, by clustering name. */
  assignmentsOf(profileId: string): Promise<Record<string, number>>;
  /** Profiles assigned to a cluster at the last training, in id order after `after`. */
  members(
    name: string,
    cluster: number,
    after: string,
    limit: number,
  ): Promise<{ profiles: string[]; next: string | null }>;
  /** Forgets these profiles' assignments in every clustering (erasure, merges). */
  erase(profileIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
