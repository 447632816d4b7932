import type { ClusterModel } from '@tailor/core';
import type { ClusteringStore } from '../store/clustering-store.js';
import { ReadOrder } from '../store/read-order.js';

/**
 * The trained clusterings this thread assigns people with (`in_cluster(...)` in segments, decide
 * rules, audiences and journey branches): read from the store at open and after a training, a
 * rename or a deletion here or elsewhere. Reading them costs nothing per decision.
 */
export class ClusterModels {
  private models = new Map<string, ClusterModel>();
  /** Readings of the store and changes made here, in order (another node or thread changes them too). */
  private readonly order = new ReadOrder();

  private constructor(private readonly store: Pick<ClusteringStore, 'models'>) {}

  static async open(store: Pick<ClusteringStore, 'models'>): Promise<ClusterModels> {
    const models = new ClusterModels(store);
    await models.reload();
    return models;
  }

  /** The models by clustering name; replaced, never changed in place, so a reader may keep it. */
  get current(): ReadonlyMap<string, ClusterModel> {
    return this.models;
  }

  async reload(): Promise<void> {
    await this.order.read(
      () => this.store.models(),
      (models) => {
        this.models = new Map(models.map((m) => [m.clustering, m]));
      },
    );
  }

  set(model: ClusterModel): void {
    this.models = new Map(this.models).set(model.clustering, model);
    this.order.changed();
  }

  delete(name: string): void {
    const models = new Map(this.models);
    models.delete(name);
    this.models = models;
    this.order.changed();
  }
}
