/**
 * Clustering over numeric features: the table the numerics work on, the preparations and the
 * results. Rows are stored row-major in one Float64Array (row i, feature j at `i * columns + j`),
 * so a million rows of ten features is one 80 MB buffer and no per-row objects.
 */

/** A table of numbers: `rows` rows of `columns` features, row-major. */
export interface FeatureMatrix {
  values: Float64Array;
  rows: number;
  columns: number;
}

/**
 * How features are prepared before clustering: as given, standardized (mean 0, population
 * standard deviation 1), or log1p then standardized (for skewed, non-negative features such as
 * frequency and spend).
 */
export type Scale = 'none' | 'standard' | 'log-standard';
export const SCALES: readonly Scale[] = ['none', 'standard', 'log-standard'];

/** Which k-means: full-batch Lloyd iterations, or mini-batch updates for large populations. */
export type KMeansAlgorithm = 'lloyd' | 'mini-batch';

/** A fitted k-means partition, in the prepared (scaled) space. */
export interface KMeansFit {
  k: number;
  /** k rows of `columns` values, row-major. */
  centroids: Float64Array;
  /** The cluster of each row, 0..k-1. */
  labels: Int32Array;
  /** Sum of squared distances of the rows to their centroids. */
  inertia: number;
  /** Lloyd iterations of the best start (or mini-batch steps). */
  iterations: number;
  converged: boolean;
}

/**
 * How rows are grouped: k-means (any size), Gaussian mixtures (full covariances, k by BIC), Ward's hierarchical clustering (small populations,
 * at most WARD_MAX_ROWS rows) or DBSCAN (density: finds its own k and leaves outliers as noise).
 */
export type ClusterMethod = 'kmeans' | 'gmm' | 'ward' | 'dbscan';
export const CLUSTER_METHODS: readonly ClusterMethod[] = ['kmeans', 'gmm', 'ward', 'dbscan'];
