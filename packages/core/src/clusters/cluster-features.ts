/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import { err, ok, type Result } from '../result/result.js';
import type {
  ClusterMethod,
  FeatureMatrix,
  KMeansAlgorithm,
  KMeansFit,
  Scale,
} from './clusters.schema.js';
import { fitDbscan } from './fit-dbscan.js';
import { fitGaussianMixture } from './fit-gaussian-mixture.js';
import { fitKMeans, type KMeansThreads } from './fit-kmeans.js';
import { fitMiniBatchKMeans } from './fit-mini-batch-kmeans.js';
import { cutTree, wardMerges, WARD_MAX_ROWS, type WardMerge } from './fit-ward.js';
import { partitionFit } from './partition-fit.js';
import {
  chooseScale,
  prepareFeatures,
  restoreUnits,
  type Preparation,
} from './prepare-features.js';
import { silhouetteScore } from './silhouette-score.js';

export interface ClusterOptions {
  /** k-means (the default), Gaussian mixtures (k by BIC), Ward's hierarchical clustering, or DBSCAN (which ignores k). */
  method?: ClusterMethod;
  /** DBSCAN: the neighbourhood's radius in the prepared space (default 0.5, as scikit-learn). */
  eps?: number;
  /** DBSCAN: neighbours, the row itself counted, that make a core row (default 5). */
  minSamples?: number;
  /** A number of clusters, or `auto`: the k of highest silhouette in `kRange`. */
  k: number | 'auto';
  /** How to prepare the features; `auto` (the default) as chooseScale decides. */
  scale?: Scale | 'auto';
  /** The ks `auto` tries, both ends included (default 2 to 10, at most rows − 1). */
  kRange?: readonly [number, number];
  /** Lloyd or mini-batch; `auto` (default) takes mini-batch above `miniBatchFrom` rows. */
  algorithm?: KMeansAlgorithm | 'auto';
  miniBatchFrom?: number;
  /** k-means++ starts of Lloyd's k-means (default 10). */
  starts?: number;
  /** Other threads to share Lloyd's starts with (the same clustering, sooner). */
  threads?: KMeansThreads;
  /** The silhouette is exact up to this many rows, on a sample of this many above (default 10,000). */
  silhouetteSample?: number;
  seed?: number;
  /** Columns that are a category's 0/1 levels (one-hot): not logged nor standardized. */
  indicators?: readonly boolean[];
}

/** How well one k did, when k is chosen automatically. */
export interface KCandidate {
  k: number;
  silhouette: number;
  inertia: number;
  /** The Gaussian mixture's BIC (method gmm only), by which gmm chooses k. */
  bic?: number;
}

export interface Clustering {
  k: number;
  scale: Scale;
  method: ClusterMethod;
  /** Which k-means; null for the other methods. */
  algorithm: KMeansAlgorithm | null;
  /** Rows in no cluster (DBSCAN's noise, labelled −1); 0 for the other methods. */
  noise: number;
  /** The Gaussian mixture's BIC (lower is better); null for the other methods. */
  bic: number | null;
  /**
   * Mean silhouette in the prepared space (over the clustered rows: DBSCAN's noise left out);
   * null for k = 1 or k = rows, where it is undefined.
   */
  silhouette: number | null;
  /** Sum of squared distances to the centroids, in the prepared space. */
  inertia: number;
  /** Rows in each cluster. */
  sizes: number[];
  /** Each cluster's centre put back in the original units (for log-standard: expm1 of the centre). */
  centroids: number[][];
  /** The cluster of each row (−1: noise). */
  labels: Int32Array;
  /** The ks tried by `auto`, in order; empty when k was given. */
  candidates: KCandidate[];
  preparation: Preparation;
}

export const DEFAULT_K_RANGE = [2, 10] as const;

/**
 * Clusters the rows of a table by k-means: prepares the features, fits k-means (Lloyd's from
 * several k-means++ starts, or mini-batch for large tables) for the given k or for each k of the
 * range, keeping the k of highest silhouette, and reports the partition with its centroids in
 * the original units.
 */
export function clusterFeatures(
  matrix: FeatureMatrix,
  options: ClusterOptions,
): Result<Clustering> {
  const { rows } = matrix;
  for (let i = 0; i < matrix.values.length; i++)
    if (!Number.isFinite(matrix.values[i]))
      return err(`row ${Math.floor(i / matrix.columns) + 1}: not a finite number`);
  const scale =
    options.scale === undefined || options.scale === 'auto'
      ? chooseScale(matrix, options.indicators)
      : options.scale;
  const prepared = prepareFeatures(matrix, scale, options.indicators);
  if (!prepared.ok) return prepared;
  const { matrix: table, preparation } = prepared.value;
  const method = options.method ?? 'kmeans';
  if (method === 'dbscan') {
    const { eps = 0.5, minSamples = 5 } = options;
    if (!(eps > 0)) return err(`eps must be a positive number: ${eps}`);
    if (!(Number.isInteger(minSamples) && minSamples >= 1))
      return err(`minSamples must be a whole number from 1: ${minSamples}`);
    const { k, labels } = fitDbscan(table, { eps, minSamples });
    const fit = partitionFit(table, labels, k);
    return ok(
      describeFit(
        fit,
        clusteredSilhouette(table, fit, options),
        scale,
        method,
        null,
        [],
        preparation,
      ),
    );
  }
  const algorithm =
    options.algorithm === undefined || options.algorithm === 'auto'
      ? rows > (options.miniBatchFrom ?? 100_000)
        ? 'mini-batch'
        : 'lloyd'
      : options.algorithm;
  const seed = options.seed ?? 0;
  if (method === 'ward' && rows > WARD_MAX_ROWS)
    return err(`Ward's clustering is for at most ${WARD_MAX_ROWS} rows: ${rows} rows (use kmeans)`);
  let merges: WardMerge[] | undefined;
  const bics = new Map<number, number>();
  const fit = (k: number): KMeansFit => {
    if (method === 'gmm') {
      const mixture = fitGaussianMixture(table, { k, seed });
      bics.set(k, mixture.bic);
      return partitionFit(table, mixture.labels, k);
    }
    if (method === 'ward') {
      merges ??= wardMerges(table);
      return partitionFit(table, cutTree(rows, merges, k), k);
    }
    return algorithm === 'lloyd'
      ? fitKMeans(table, { k, starts: options.starts ?? 10, seed, threads: options.threads })
      : fitMiniBatchKMeans(table, { k, seed });
  };
  const silhouette = (f: KMeansFit): number | null => clusteredSilhouette(table, f, options);

  let chosen: KMeansFit;
  let score: number | null;
  const candidates: KCandidate[] = [];
  if (options.k === 'auto') {
    const [low, high] = options.kRange ?? DEFAULT_K_RANGE;
    const top = Math.min(high, rows - 1);
    if (low < 2 || top < low)
      return err(`automatic k needs at least ${low + 1} rows and a range from 2 up: ${rows} rows`);
    // The highest silhouette wins; for gmm, the lowest BIC.
    let best: { fit: KMeansFit; score: number | null; criterion: number } | undefined;
    for (let k = low; k <= top; k++) {
      const f = fit(k);
      const defined = silhouette(f);
      const s = defined ?? -1;
      const bic = bics.get(k);
      candidates.push(
        bic === undefined
          ? { k, silhouette: s, inertia: f.inertia }
          : { k, silhouette: s, inertia: f.inertia, bic },
      );
      const criterion = bic === undefined ? s : -bic;
      if (best === undefined || criterion > best.criterion)
        best = { fit: f, score: defined, criterion };
    }
    [chosen, score] = [best!.fit, best!.score];
  } else {
    const k = options.k;
    if (!Number.isInteger(k) || k < 1) return err(`k must be a whole number from 1: ${k}`);
    if (k > rows) return err(`k (${k}) is larger than the number of rows (${rows})`);
    chosen = fit(k);
    score = silhouette(chosen);
  }
  return ok(
    describeFit(
      chosen,
      score,
      scale,
      method,
      method === 'kmeans' ? algorithm : null,
      candidates,
      preparation,
      bics.get(chosen.k) ?? null,
    ),
  );
}

/** The silhouette of the clustered rows (noise left out); null when it is undefined. */
function clusteredSilhouette(
  table: FeatureMatrix,
  fit: KMeansFit,
  options: ClusterOptions,
): number | null {
  const kept: number[] = [];
  const used = new Set<number>();
  fit.labels.forEach((label, i) => {
    if (label >= 0) kept.push(i);
    used.add(label);
  });
  used.delete(-1);
  // Rows all alike (a constant feature) leave clusters empty: with fewer than two in use, or
  // as many as rows, the silhouette is undefined.
  if (used.size < 2 || used.size >= kept.length) return null;
  const { columns } = table;
  const clustered =
    kept.length === table.rows
      ? { matrix: table, labels: fit.labels }
      : {
          matrix: {
            values: Float64Array.from(
              kept.flatMap((i) => [...table.values.subarray(i * columns, (i + 1) * columns)]),
            ),
            rows: kept.length,
            columns,
          },
          labels: Int32Array.from(kept, (i) => fit.labels[i]!),
        };
  return silhouetteScore(clustered.matrix, clustered.labels, fit.k, {
    sampleSize: options.silhouetteSample ?? 10_000,
    seed: options.seed ?? 0,
  });
}

function describeFit(
  fit: KMeansFit,
  silhouette: number | null,
  scale: Scale,
  method: ClusterMethod,
  algorithm: KMeansAlgorithm | null,
  candidates: KCandidate[],
  preparation: Preparation,
  bic: number | null = null,
): Clustering {
  const { k, inertia } = fit;
  const counts = new Array<number>(k).fill(0);
  let noise = 0;
  for (const label of fit.labels) {
    if (label < 0) noise++;
    else counts[label]!++;
  }
  // Clusters numbered by size, largest first (ties by the fit's order): the same data gives the
  // same numbers whatever order the starts found them in.
  const order = Array.from({ length: k }, (_, c) => c).sort(
    (a, b) => counts[b]! - counts[a]! || a - b,
  );
  const renumber = new Int32Array(k);
  order.forEach((c, rank) => (renumber[c] = rank));
  const labels = fit.labels.map((label) => (label < 0 ? label : renumber[label]!));
  const sizes = order.map((c) => counts[c]!);
  const columns = preparation.mean.length;
  const restored = restoreUnits(fit.centroids, preparation);
  const centroids = order.map((c) => Array.from(restored.subarray(c * columns, (c + 1) * columns)));
  return {
    k,
    scale,
    method,
    algorithm,
    noise,
    bic,
    silhouette,
    inertia,
    sizes,
    centroids,
    labels,
    candidates,
    preparation,
  };
}
