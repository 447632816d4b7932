import {
  clusteringFeatures,
  clusterModel,
  consentValues,
  DEFAULT_K_RANGE,
  ClusteringTable,
  TailorError,
  traitValues,
  type ClusterModel,
  type ClusterOptions,
  type ClusteringFeature,
} from '@tailor/core';
import { fitClusteringHere, type ClusterFitter } from './fit-clustering.js';
import type { Job, JobProgress, JobStep } from '../jobs/job.js';
import type { ClusterAssignments, StoredClustering } from '../store/clustering-store.js';
import type { ProfileFeatures, ProfileReader } from '../store/profile-store.js';

/** Profiles read per step (a page takes tens of milliseconds; requests are served between pages). */
const PAGE = 2000;

export interface ClusteringTrainingDeps {
  profiles: Pick<ProfileReader, 'scanFeatures' | 'stats'>;
  now: () => number;
  /** Where the fit runs (default: this thread); `tailor serve` gives a worker thread's. */
  fit?: ClusterFitter;
  /** Stops a fit under way (the server closing). */
  signal?: AbortSignal;
}

/** What a training made: the model and each clustered profile's cluster id. */
export interface TrainedClustering {
  model: ClusterModel;
  assignments: ClusterAssignments;
}

/**
 * Trains a clustering over the profiles as they are now, as a `Job`: each step reads a page of
 * live profiles (`scanFeatures`: in id order, only what features come from) and keeps each one's features (traits, computed traits); the last fits with
 * core's `clusterFeatures` and describes the clusters (`clusterModel`, which keeps the previous
 * training's ids and names), on a worker thread when given one. A profile with a feature missing or not a number is left out
 * (counted as `skipped`), and so is one whose person refused analytics (docs/privacy.md). The
 * features are kept in one growing Float64Array; the run is in memory (a restart trains again).
 */
export class ClusteringTrainingJob implements Job {
  readonly name: string;
  private readonly features: ClusteringFeature[];
  private cursor = '';
  private total: number | undefined;
  private read = 0;
  private skipped = 0;
  private table: ClusteringTable | undefined;
  private ids: string[] = [];
  private trained: TrainedClustering | undefined;

  constructor(
    private readonly clustering: StoredClustering,
    private readonly previous: ClusterModel | undefined,
    private readonly deps: ClusteringTrainingDeps,
  ) {
    this.name = `clustering:${clustering.name}`;
    this.features = clusteringFeatures(clustering);
  }

  get result(): TrainedClustering | undefined {
    return this.trained;
  }

  get progress(): JobProgress {
    const total = this.total ?? 0;
    return { done: Math.min(this.read, total), total };
  }

  async step(): Promise<JobStep> {
    if (this.trained !== undefined) return { worked: 0, finished: true };
    if (this.total === undefined) {
      this.total = (await this.deps.profiles.stats()).profiles;
      // The table at its likely size at once (grown by doubling only if profiles are added meanwhile).
      this.table = new ClusteringTable(this.features, this.total);
    }
    const page = await this.deps.profiles.scanFeatures(this.cursor, PAGE);
    for (const profile of page.profiles) this.take(profile);
    this.read += page.profiles.length;
    this.cursor = page.next ?? this.cursor;
    if (page.next !== null)
      return {
        worked: Math.max(1, page.profiles.length),
        progress: this.progress,
        finished: false,
      };
    this.total = this.read;
    await this.fit();
    return { worked: Math.max(1, page.profiles.length), progress: this.progress, finished: true };
  }

  private take(profile: ProfileFeatures): void {
    if (consentValues(profile.consent).analytics === false) {
      this.skipped++;
      return;
    }
    const scope = {
      traits: traitValues(profile.traits),
      computed: profile.computed,
      scores: profile.scores,
    };
    if (this.table?.add(scope) === true) this.ids.push(profile.id);
    else this.skipped++;
  }

  private async fit(): Promise<void> {
    const c = this.clustering;
    const encoded = (this.table ?? new ClusteringTable(this.features)).encode();
    // Rows holding text where a feature turned out a number are left out with the others.
    this.skipped += this.ids.length - encoded.kept.length;
    if (encoded.kept.length !== this.ids.length)
      this.ids = Array.from(encoded.kept, (r) => this.ids[r] as string);
    const { matrix } = encoded;
    const rows = matrix.rows;
    const k = c.k ?? 'auto';
    if (rows === 0 || (typeof k === 'number' && k > rows) || (k === 'auto' && rows < 3))
      throw new TailorError(
        'invalid_request',
        `clustering ${c.name}: ${rows} profiles have every feature (${this.skipped} left out), too few for k ${k}`,
      );
    const maxK = Math.min(c.maxK ?? DEFAULT_K_RANGE[1], rows - 1);
    const fit = this.deps.fit ?? fitClusteringHere;
    const options: ClusterOptions = {
      method: c.method ?? 'kmeans',
      k,
      scale: c.scale ?? 'auto',
      kRange: [DEFAULT_K_RANGE[0], Math.max(DEFAULT_K_RANGE[0], maxK)],
      ...(c.eps !== undefined && { eps: c.eps }),
      ...(c.minSamples !== undefined && { minSamples: c.minSamples }),
      seed: c.seed ?? 0,
      ...(encoded.indicators.some(Boolean) && { indicators: encoded.indicators }),
    };
    const fitted = await fit({ matrix, options }, this.deps.signal);
    if (this.deps.signal?.aborted === true)
      throw new TailorError('unavailable', `clustering ${c.name}: stopped (the server is closing)`);
    if (!fitted.ok)
      throw new TailorError('invalid_request', `clustering ${c.name}: ${fitted.error}`);
    if (fitted.value.k === 0)
      throw new TailorError(
        'invalid_request',
        `clustering ${c.name}: DBSCAN found no cluster (every profile is noise); raise eps or lower minSamples`,
      );
    const { model, ids } = clusterModel({
      clustering: c.name,
      definitionVersion: c.version,
      features: encoded.columns,
      matrix,
      fit: fitted.value,
      previous: this.previous,
      trainedAt: new Date(this.deps.now()).toISOString(),
      skipped: this.skipped,
      unit: c.unit ?? 'profiles',
    });
    this.trained = { model, assignments: { profileIds: this.ids, clusters: ids } };
  }
}
