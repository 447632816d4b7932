import type { ClusterModel } from '@tailor/core';

/** A clustering as GET /v1/clusterings lists it: the definition and its last training. */
export interface ClusteringSummary {
  name: string;
  features: (string | { path: string; name: string; type?: string })[];
  method?: string;
  k?: number | 'auto';
  description?: string;
  trained?: Pick<ClusterModel, 'training' | 'trainedAt' | 'k' | 'rows' | 'silhouette'>;
  training?: { done: number; total: number };
}

/** One bar group of the effects chart: a feature, and each persona's effect on it. */
export interface EffectRow {
  feature: string;
  effects: Record<string, number>;
}

/**
 * What sets each persona apart, for a chart: every feature that is one of some persona's traits
 * (its effect size: the cluster's mean minus the population's, in population standard
 * deviations), and each persona's effect on it (0 where it is not among that persona's traits).
 * Features in the order of the model's columns; series keyed by cluster id.
 */
export function personaEffects(model: Pick<ClusterModel, 'features' | 'clusters'>): EffectRow[] {
  const named = new Set(model.clusters.flatMap((c) => c.traits.map((t) => t.feature)));
  return model.features
    .map((f) => f.name)
    .filter((feature) => named.has(feature))
    .map((feature) => ({
      feature,
      effects: Object.fromEntries(
        model.clusters.map((c) => [
          String(c.id),
          c.traits.find((t) => t.feature === feature)?.effect ?? 0,
        ]),
      ),
    }));
}

/** "kmeans, k 4, 1,204 profiles, silhouette 0.43": the last training in a line. */
export function trainingText(summary: ClusteringSummary): string {
  const running =
    summary.training === undefined
      ? ''
      : ` (training: ${summary.training.done.toLocaleString('en')} of ${summary.training.total.toLocaleString('en')} profiles read)`;
  const { trained } = summary;
  if (trained === undefined) return `not trained yet${running}`;
  const silhouette =
    trained.silhouette === null ? '' : `, silhouette ${trained.silhouette.toFixed(2)}`;
  return `trained ${trained.trainedAt.slice(0, 16).replace('T', ' ')}: k ${String(trained.k)}, ${trained.rows.toLocaleString('en')} profiles${silhouette}${running}`;
}

/** A feature as the definition names it: its name, or its path's last part. */
export function featureName(feature: ClusteringSummary['features'][number]): string {
  return typeof feature === 'string' ? feature.slice(feature.lastIndexOf('.') + 1) : feature.name;
}
