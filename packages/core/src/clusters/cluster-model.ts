import type { Clustering } from './cluster-features.js';
import type { ClusterInfo, ClusterModel } from './clustering-definition.schema.js';
import type { FeatureMatrix } from './clusters.schema.js';
import { describePersonas } from './describe-personas.js';
import { matchClusters } from './match-clusters.js';
import type { ModelColumn } from './nearest-cluster.js';
import type { Preparation } from './prepare-features.js';

export interface ClusterModelInput {
  clustering: string;
  definitionVersion: number;
  /** The model's columns: number features, and a category feature's levels one-hot. */
  features: readonly ModelColumn[];
  /** The rows clustered, in the original units (0 / 1 for a level). */
  matrix: FeatureMatrix;
  fit: Clustering;
  /** The last training's model, whose cluster ids and names carry over to the clusters that continue them. */
  previous: ClusterModel | undefined;
  trainedAt: string;
  /** Profiles left out (a feature missing, analytics refused). */
  skipped: number;
  /** What a row is in the descriptions. */
  unit: string;
}

/**
 * A trained clustering's model: each cluster's centre in the prepared space (where real-time
 * assignment measures), its centroid in the original units and its persona, under a stable id.
 * Clusters are paired with the previous training's by `matchClusters` over their centres, both
 * put in this training's prepared space (the previous centroids prepared as this training
 * prepares): a paired cluster keeps its id and name (a marketer's name included), a new one
 * takes the next free id and its default persona name, numbered if that name is taken. Returns
 * the model and each row's cluster id (−1: DBSCAN's noise).
 */
export function clusterModel(input: ClusterModelInput): { model: ClusterModel; ids: Int32Array } {
  const { fit, matrix, features, previous } = input;
  const columns = features.length;
  const names = features.map((f) => f.name);
  const centres = fit.centroids.map((c) => prepare(c, fit.preparation));
  if (fit.method !== 'kmeans') meanCentres(matrix, fit, centres);
  const clustered = clusteredRows(matrix, fit.labels);
  const personas = describePersonas(clustered.matrix, clustered.labels, fit.k, names, {
    scale: fit.scale,
    unit: input.unit,
    levels: features.map((f) => f.level),
  });

  const samePaths =
    previous !== undefined &&
    previous.features.length === columns &&
    previous.features.every((f, j) => {
      const column = features[j];
      return f.path === column?.path && f.level === column.level;
    });
  const before = samePaths ? previous.clusters : [];
  const match = matchClusters(
    before.map((c) =>
      prepare(previous?.features.map((f) => c.centroid[f.name] ?? 0) ?? [], fit.preparation),
    ),
    centres,
  );
  const taken = new Set<string>();
  let nextId = Math.max(-1, ...(previous?.clusters.map((c) => c.id) ?? [])) + 1;
  const identity = Array.from(match, (m) => {
    const continued = m >= 0 ? before[m] : undefined;
    if (continued !== undefined) taken.add(continued.name);
    return continued;
  });
  const clusters: ClusterInfo[] = personas.map((persona, c) => {
    const continued = identity[c];
    const id = continued?.id ?? nextId++;
    const name = continued?.name ?? freeName(persona.name, taken);
    taken.add(name);
    return {
      id,
      name,
      renamed: continued?.renamed ?? false,
      size: persona.size,
      share: persona.share,
      centroid: Object.fromEntries(names.map((n, j) => [n, fit.centroids[c]?.[j] ?? 0])),
      centre: centres[c] ?? [],
      description: persona.description,
      traits: persona.traits,
      medians: persona.medians,
    };
  });
  const ids = Int32Array.from(fit.labels, (label) =>
    label < 0 ? -1 : (clusters[label]?.id ?? -1),
  );
  clusters.sort((a, b) => a.id - b.id);
  return {
    model: {
      clustering: input.clustering,
      training: (previous?.training ?? 0) + 1,
      definitionVersion: input.definitionVersion,
      trainedAt: input.trainedAt,
      features: features.map(({ path, name, level }) =>
        level === undefined ? { path, name } : { path, name, level },
      ),
      method: fit.method,
      algorithm: fit.algorithm,
      k: fit.k,
      scale: fit.scale,
      preparation: { mean: [...fit.preparation.mean], std: [...fit.preparation.std] },
      rows: matrix.rows,
      skipped: input.skipped,
      noise: fit.noise,
      silhouette: fit.silhouette,
      inertia: fit.inertia,
      bic: fit.bic,
      candidates: fit.candidates.map((c) => ({ ...c })),
      clusters,
    },
    ids,
  };
}

/** A point in the original units put in the prepared space (log1p for log-standard, then standardized). */
function prepare(point: readonly number[], preparation: Preparation): number[] {
  const logged = preparation.scale === 'log-standard';
  return point.map(
    (v, j) =>
      ((logged && preparation.indicators?.[j] !== true ? Math.log1p(v) : v) -
        (preparation.mean[j] ?? 0)) /
      (preparation.std[j] ?? 1),
  );
}

/**
 * The centres of a partition that is not k-means: the mean of its rows in the prepared space (the
 * original-unit centroid of a log-standard clustering prepared again would not be it).
 */
function meanCentres(matrix: FeatureMatrix, fit: Clustering, centres: number[][]): void {
  const { rows, columns, values } = matrix;
  const sums = Array.from({ length: fit.k }, () => new Array<number>(columns).fill(0));
  const counts = new Array<number>(fit.k).fill(0);
  for (let i = 0; i < rows; i++) {
    const c = fit.labels[i] ?? -1;
    const sum = sums[c];
    if (sum === undefined) continue;
    const row = prepare(
      Array.from(values.subarray(i * columns, (i + 1) * columns)),
      fit.preparation,
    );
    row.forEach((v, j) => (sum[j] = (sum[j] ?? 0) + v));
    counts[c] = (counts[c] ?? 0) + 1;
  }
  sums.forEach((sum, c) => {
    const n = counts[c] ?? 0;
    if (n > 0) centres[c] = sum.map((v) => v / n);
  });
}

/** The rows in a cluster (DBSCAN's noise left out), with their labels. */
function clusteredRows(
  matrix: FeatureMatrix,
  labels: Int32Array,
): { matrix: FeatureMatrix; labels: Int32Array } {
  let kept = 0;
  for (const label of labels) if (label >= 0) kept++;
  if (kept === matrix.rows) return { matrix, labels };
  const { columns } = matrix;
  const values = new Float64Array(kept * columns);
  const keptLabels = new Int32Array(kept);
  let r = 0;
  labels.forEach((label, i) => {
    if (label < 0) return;
    values.set(matrix.values.subarray(i * columns, (i + 1) * columns), r * columns);
    keptLabels[r++] = label;
  });
  return { matrix: { values, rows: kept, columns }, labels: keptLabels };
}

/** A persona name not taken yet: the name, else numbered from 2. */
function freeName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name} (${n})`)) return `${name} (${n})`;
}
