import type { ClusterInfo, ClusterModel, ClusteringBody } from './clustering-definition.schema.js';

/** How a feature is read: a number, or a category (text) one-hot encoded. */
export type FeatureType = 'number' | 'category';

/** A clustering feature with the name personas give it. */
export interface ClusteringFeature {
  path: string;
  name: string;
  /** Declared by the definition; else chosen at training from the values (`FeatureTable`). */
  type?: FeatureType;
}

/**
 * One column of a trained model: a number feature, or one level of a category feature (1 when
 * the person's value is that level, else 0: one-hot, a value of no level is all zeros).
 */
export interface ModelColumn {
  path: string;
  name: string;
  level?: string;
}

/** The definition's features, each with its name (the last part of its path unless given). */
export function clusteringFeatures(body: Pick<ClusteringBody, 'features'>): ClusteringFeature[] {
  return body.features.map((f) =>
    typeof f === 'string' ? { path: f, name: f.slice(f.lastIndexOf('.') + 1) } : f,
  );
}

/** What a person's cluster is read from: their traits, computed traits, model scores and consent. */
export interface ClusterScope {
  traits?: Record<string, unknown> | undefined;
  computed?: Record<string, unknown> | undefined;
  /** Model scores by model name (`model.NAME.score`). */
  scores?: Record<string, unknown> | undefined;
  consent?: Record<string, unknown> | undefined;
}

/**
 * A profile field as held: `path` is `traits.a.b`, `computed.a.b` or `model.NAME.score` (or
 * those split at the dots, for a caller reading many profiles); undefined when absent.
 */
export function fieldValue(path: string | readonly string[], scope: ClusterScope): unknown {
  const parts = typeof path === 'string' ? path.split('.') : path;
  let current: unknown =
    parts[0] === 'traits' ? scope.traits : parts[0] === 'model' ? scope.scores : scope.computed;
  for (let i = 1; i < parts.length; i++) {
    const key = parts[i] as string;
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * A feature's value for a person: a finite number (a boolean counts 1 or 0), else undefined
 * (missing, text, null).
 */
export function featureValue(path: string, scope: ClusterScope): number | undefined {
  return asNumber(fieldValue(path, scope));
}

export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A field's value as a category level: text as written, a number or boolean as its text. */
export function asLevel(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return String(value);
  return undefined;
}

/** A model column's value for a person: the number, or 1 / 0 for a category's level. */
export function columnValue(column: ModelColumn, scope: ClusterScope): number | undefined {
  if (column.level === undefined) return featureValue(column.path, scope);
  const level = asLevel(fieldValue(column.path, scope));
  return level === undefined ? undefined : level === column.level ? 1 : 0;
}

/**
 * The cluster a person is in now: the one whose centre is nearest their features, prepared as
 * the training prepared them (log1p for log-standard, then standardized). Undefined when a
 * feature is missing, a value cannot be prepared (log1p of −1 or less), the person refused
 * analytics, or the clustering has no clusters.
 */
export function nearestCluster(model: ClusterModel, scope: ClusterScope): ClusterInfo | undefined {
  if (scope.consent?.analytics === false) return undefined;
  const { mean, std } = model.preparation;
  const logged = model.scale === 'log-standard';
  const point: number[] = [];
  for (let j = 0; j < model.features.length; j++) {
    const column = model.features[j] as ModelColumn;
    const raw = columnValue(column, scope);
    // A category's 0/1 columns are neither logged nor standardized (mean 0, deviation 1).
    const log = logged && column.level === undefined;
    if (raw === undefined || (log && !(raw > -1))) return undefined;
    const v = log ? Math.log1p(raw) : raw;
    point.push((v - (mean[j] ?? 0)) / (std[j] ?? 1));
  }
  let best: ClusterInfo | undefined;
  let bestDistance = Infinity;
  for (const cluster of model.clusters) {
    let distance = 0;
    for (let j = 0; j < point.length; j++)
      distance += ((point[j] as number) - (cluster.centre[j] ?? 0)) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = cluster;
    }
  }
  return best;
}

/**
 * A scope's `inCluster`: whether a person (their traits, computed traits, scores, consent) is nearest
 * the cluster of that persona name in a trained clustering; false for an unknown clustering or
 * persona, and for a person `nearestCluster` puts in none.
 */
export function inClusterOf(
  models: ReadonlyMap<string, ClusterModel>,
  person: ClusterScope,
): (clustering: string, persona: string) => boolean {
  return (clustering, persona) => {
    const model = models.get(clustering);
    return model !== undefined && nearestCluster(model, person)?.name === persona;
  };
}
