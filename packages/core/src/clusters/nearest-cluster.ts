import type { ClusterInfo, ClusterModel, ClusteringBody } from './clustering-definition.schema.js';

/** A clustering feature with its path split and the name personas give it. */
export interface ClusteringFeature {
  path: string;
  name: string;
}

/** The features of a definition, each with its name (the last part of its path unless given). */
export function clusteringFeatures(body: Pick<ClusteringBody, 'features'>): ClusteringFeature[] {
  return body.features.map((f) =>
    typeof f === 'string' ? { path: f, name: f.slice(f.lastIndexOf('.') + 1) } : f,
  );
}

/** What a person's cluster is read from: their traits, computed traits and consent. */
export interface ClusterScope {
  traits?: Record<string, unknown> | undefined;
  computed?: Record<string, unknown> | undefined;
  consent?: Record<string, unknown> | undefined;
}

/**
 * A feature's value for a person: a finite number (a boolean counts 1 or 0), else undefined
 * (missing, text, null). `path` is `traits.a.b` or `computed.a.b`.
 */
export function featureValue(path: string, scope: ClusterScope): number | undefined {
  const parts = path.split('.');
  let current: unknown = parts[0] === 'traits' ? scope.traits : scope.computed;
  for (const key of parts.slice(1)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  if (typeof current === 'boolean') return current ? 1 : 0;
  return typeof current === 'number' && Number.isFinite(current) ? current : undefined;
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
    const raw = featureValue((model.features[j] as ClusteringFeature).path, scope);
    if (raw === undefined || (logged && !(raw > -1))) return undefined;
    const v = logged ? Math.log1p(raw) : raw;
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
 * A scope's `inCluster`: whether a person (their traits, computed traits and consent) is nearest
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
