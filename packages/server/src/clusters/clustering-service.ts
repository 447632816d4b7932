import {
  clusteringFeatures,
  TailorError,
  type ClusterModel,
  type ClusteringBody,
  type ClusterInfo,
} from '@tailor/core';
import type { JobProgress } from '../jobs/job.js';
import { validName } from '../segments/definitions.js';
import type { ClusteringStore, StoredClustering } from '../store/clustering-store.js';
import type { ClusterModels } from './cluster-models.js';
import { ClusteringTrainingJob, type ClusteringTrainingDeps } from './clustering-training.js';
import { defaultClusterFitter, type ClusterFitter } from './fit-clustering.js';

const DAY = 86_400_000;
/** How often scheduled retrainings are looked for. */
const SCHEDULE_CHECK_MS = 3_600_000;

export interface ClusteringServiceDeps {
  store: ClusteringStore;
  models: ClusterModels;
  training: ClusteringTrainingDeps;
  /**
   * A clustering's model changed (trained, a persona renamed) or was deleted: segments reading it
   * are evaluated again, other threads and nodes read the models again.
   */
  changed: (name: string) => Promise<void>;
  /** Lets requests run between training steps. */
  pause: () => Promise<void>;
  now: () => number;
  onError?: (message: string, error: unknown) => void;
}

/** A clustering with how its model stands. */
export type ClusteringStatus = StoredClustering & {
  trained?: Pick<ClusterModel, 'training' | 'trainedAt' | 'k' | 'rows' | 'silhouette'>;
  training?: JobProgress;
};

/**
 * Clusterings of profiles (docs/clusters.md): defined by name over profile features, trained into
 * a model (centres, personas) with per-profile assignments; retraining keeps cluster ids and
 * persona names; a marketer renames personas; `in_cluster(...)` reads the models.
 */
export class ClusteringService {
  /** Trainings under way, by name: a second request waits for the same one. */
  private readonly running = new Map<
    string,
    { job?: ClusteringTrainingJob; done: Promise<ClusterModel> }
  >();
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  /** The fit runs on a worker thread of its own where the built worker is there (`tailor serve`). */
  private readonly fit: ClusterFitter;

  constructor(private readonly deps: ClusteringServiceDeps) {
    this.fit = deps.training.fit ?? defaultClusterFitter();
  }

  async put(name: string, body: ClusteringBody): Promise<StoredClustering> {
    if (!validName(name))
      throw new TailorError(
        'invalid_request',
        'a clustering name is 1 to 128 characters, without / \\ or control characters',
      );
    checkFeatures(body);
    if (body.k !== undefined && body.k !== 'auto' && body.maxK !== undefined)
      throw new TailorError('invalid_request', 'maxK is for k auto; k is given');
    const at = new Date(this.deps.now()).toISOString();
    const before = await this.deps.store.get(name);
    const clustering: StoredClustering = {
      ...body,
      name,
      version: (before?.version ?? 0) + 1,
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
    };
    await this.deps.store.put(clustering);
    return clustering;
  }

  async list(): Promise<ClusteringStatus[]> {
    return (await this.deps.store.list()).map((c) => this.withStatus(c));
  }

  async get(name: string): Promise<ClusteringStatus> {
    return this.withStatus(await this.found(name));
  }

  async delete(name: string): Promise<void> {
    await this.found(name);
    await this.deps.store.delete(name);
    this.deps.models.delete(name);
    await this.deps.changed(name);
  }

  /**
   * Trains now from the profiles as they are and records the model and assignments; answers the
   * model. A training already under way for the clustering is joined.
   */
  train(name: string, onProgress?: (progress: JobProgress) => void): Promise<ClusterModel> {
    const under = this.running.get(name);
    if (under !== undefined) return under.done;
    const entry: { job?: ClusteringTrainingJob; done: Promise<ClusterModel> } = {
      done: Promise.resolve(undefined as never),
    };
    entry.done = this.trainNow(name, entry, onProgress).finally(() => this.running.delete(name));
    this.running.set(name, entry);
    return entry.done;
  }

  /** The trained model: its clusters with sizes, centroids, silhouette and personas. */
  async clusters(name: string): Promise<ClusterModel> {
    await this.found(name);
    const model = await this.deps.store.model(name);
    if (model === undefined)
      throw new TailorError('not_found', `clustering ${name} is not trained yet (POST .../train)`);
    return model;
  }

  /**
   * Names a cluster's persona (`in_cluster("NAME", "persona")` reads it): kept across retraining
   * while the cluster continues. Names are unique within a clustering.
   */
  async rename(name: string, id: number, persona: string): Promise<ClusterInfo> {
    const model = await this.clusters(name);
    const cluster = model.clusters.find((c) => c.id === id);
    if (cluster === undefined)
      throw new TailorError('not_found', `clustering ${name} has no cluster ${id}`);
    const trimmed = persona.trim();
    if (trimmed === '') throw new TailorError('invalid_request', 'a persona name cannot be blank');
    if (model.clusters.some((c) => c.id !== id && c.name === trimmed))
      throw new TailorError(
        'conflict',
        `another cluster of ${name} is named ${JSON.stringify(trimmed)}`,
      );
    const renamed: ClusterInfo = { ...cluster, name: trimmed, renamed: true };
    const next: ClusterModel = {
      ...model,
      clusters: model.clusters.map((c) => (c.id === id ? renamed : c)),
    };
    await this.deps.store.saveModel(next);
    this.deps.models.set(next);
    await this.deps.changed(name);
    return renamed;
  }

  /** Profiles the last training put in a cluster, by profile id, paged. */
  async members(
    name: string,
    id: number,
    after: string,
    limit: number,
  ): Promise<{ profiles: string[]; next: string | null }> {
    const model = await this.clusters(name);
    if (!model.clusters.some((c) => c.id === id))
      throw new TailorError('not_found', `clustering ${name} has no cluster ${id}`);
    return this.deps.store.members(name, id, after, limit);
  }

  /** Retrains the clusterings whose schedule is due, every hour (the request thread's). */
  startSchedule(): void {
    this.timer = setInterval(() => {
      void this.retrainDue();
    }, SCHEDULE_CHECK_MS);
    this.timer.unref();
  }

  /** Trains each clustering whose `schedule.retrainDays` have passed since its last training. */
  async retrainDue(): Promise<string[]> {
    const now = this.deps.now();
    const due: string[] = [];
    for (const c of await this.deps.store.list()) {
      const days = c.schedule?.retrainDays;
      if (days === undefined) continue;
      const last = this.deps.models.current.get(c.name)?.trainedAt;
      if (last === undefined || Date.parse(last) + days * DAY <= now) due.push(c.name);
    }
    for (const name of due)
      await this.train(name).catch((error: unknown) => {
        this.deps.onError?.(`scheduled training of clustering ${name} failed`, error);
      });
    return due;
  }

  /** Stops the schedule and a fit under way. */
  close(): void {
    clearInterval(this.timer);
    this.abort.abort();
  }

  private async trainNow(
    name: string,
    entry: { job?: ClusteringTrainingJob },
    onProgress?: (progress: JobProgress) => void,
  ): Promise<ClusterModel> {
    const clustering = await this.found(name);
    const previous = await this.deps.store.model(name);
    const job = new ClusteringTrainingJob(clustering, previous, {
      ...this.deps.training,
      fit: this.fit,
      signal: this.abort.signal,
    });
    entry.job = job;
    // A page of profiles a step, requests served between steps.
    for (;;) {
      const step = await job.step();
      if (step.progress !== undefined) onProgress?.(step.progress);
      if (step.finished) break;
      await this.deps.pause();
    }
    const result = job.result;
    if (result === undefined)
      throw new TailorError('unavailable', `clustering ${name}: training did not finish`);
    // Deleted or redefined meanwhile: the model would answer a definition that is gone.
    const now = await this.deps.store.get(name);
    if (now?.version !== clustering.version)
      throw new TailorError(
        'conflict',
        `clustering ${name} changed during its training; train again`,
      );
    await this.deps.store.saveModel(result.model, result.assignments);
    this.deps.models.set(result.model);
    await this.deps.changed(name);
    return result.model;
  }

  private async found(name: string): Promise<StoredClustering> {
    const clustering = await this.deps.store.get(name);
    if (clustering === undefined) throw new TailorError('not_found', `no clustering named ${name}`);
    return clustering;
  }

  private withStatus(c: StoredClustering): ClusteringStatus {
    const model = this.deps.models.current.get(c.name);
    const job = this.running.get(c.name)?.job;
    return {
      ...c,
      ...(model && {
        trained: {
          training: model.training,
          trainedAt: model.trainedAt,
          k: model.k,
          rows: model.rows,
          silhouette: model.silhouette,
        },
      }),
      ...(job && { training: job.progress }),
    };
  }
}

/** Feature paths with no empty part, named uniquely. */
function checkFeatures(body: ClusteringBody): void {
  const features = clusteringFeatures(body);
  for (const f of features)
    if (f.path.split('.').some((part) => part === ''))
      throw new TailorError('invalid_request', `feature ${f.path}: a path part is empty`);
  const names = features.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined)
    throw new TailorError(
      'invalid_request',
      `two features are named ${twice}: give one a name ({"path": ..., "name": ...})`,
    );
  const paths = features.map((f) => f.path);
  const samePath = paths.find((p, i) => paths.indexOf(p) !== i);
  if (samePath !== undefined)
    throw new TailorError('invalid_request', `feature ${samePath} is listed twice`);
}
