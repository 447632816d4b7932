import type { Classifier, FeatureReference, ModelBody, ModelVersionInfo } from '@tailor/core';

/** A model definition as stored: the body as given, its name, definition version and times. */
export interface StoredModel extends ModelBody {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The model version that scores profiles; absent until one is promoted. */
  promoted?: number;
}

/** A trained version: what was recorded, and the classifier that scores. */
export interface StoredModelVersion extends Omit<ModelVersionInfo, 'promoted'> {
  classifier: Classifier;
  /** The event names counted as features (so scoring counts the same ones). */
  countedEvents: string[];
  /** The computed traits read as features (`features.computed` when it was trained). */
  computedTraits?: string[];
  /** The training distribution of each feature and of the held-out scores, for drift. */
  reference?: { features: Record<string, FeatureReference>; score: FeatureReference };
}

/**
 * The model registry (docs/models.md): definitions and their trained versions, in state.sqlite or
 * PostgreSQL. Deleting a model deletes its versions.
 */
export interface ModelStore {
  list(): Promise<StoredModel[]>;
  get(name: string): Promise<StoredModel | undefined>;
  put(model: StoredModel): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Versions without their classifiers' bodies would be smaller; they are small enough whole. */
  versions(name: string): Promise<StoredModelVersion[]>;
  version(name: string, version: number): Promise<StoredModelVersion | undefined>;
  /**
   * Records a version; its number is the next after the model's last. With `unlessSince` (an ISO
   * time), nothing is recorded when a version trained at or after it is there already, checked in
   * the transaction that records (a scheduled training that another node or a request beat):
   * undefined then.
   */
  addVersion(
    name: string,
    version: Omit<StoredModelVersion, 'version'>,
    unlessSince?: string,
  ): Promise<number | undefined>;
  /** Where a job of the models stands (the scoring's position, the schedule's), as saved; JSON. */
  jobState(job: string): Promise<unknown>;
  saveJobState(job: string, state: unknown): Promise<void>;
  close(): Promise<void>;
}
