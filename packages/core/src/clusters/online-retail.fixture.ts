import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureMatrix } from './clusters.schema.js';

/** The fixtures of UCI Online Retail (CC BY 4.0), shipped once, with the server's fixtures. */
const folder = (name: string) =>
  fileURLToPath(new URL(`../../../server/test/fixtures/online-retail/${name}`, import.meta.url));

/** rfm.csv: customer, recency (days), frequency (invoices), monetary (GBP); 4,338 customers. */
export function readRfm(): { customers: string[]; matrix: FeatureMatrix } {
  const lines = readFileSync(folder('rfm.csv'), 'utf8').trim().split('\n').slice(1);
  const values = new Float64Array(lines.length * 3);
  const customers = lines.map((line, i) => {
    const [customer, ...features] = line.split(',');
    features.forEach((v, j) => (values[i * 3 + j] = Number(v)));
    return customer ?? '';
  });
  return { customers, matrix: { values, rows: lines.length, columns: 3 } };
}

/** clusters.reference.json, written by make-clusters-reference.py with scikit-learn. */
export interface ClustersReference {
  sklearn: string;
  small: { points: number[][]; labels: number[]; silhouette: number; samples: number[] };
  rfm: {
    rows: number;
    mean: number[];
    std: number[];
    best_k: number;
    best_labels: number[];
    by_k: { k: number; inertia: number; silhouette: number; mini_batch_inertia: number }[];
  };
}

export function readClustersReference(): ClustersReference {
  return JSON.parse(readFileSync(folder('clusters.reference.json'), 'utf8')) as ClustersReference;
}

/** One plain-Lloyd fit by scikit-learn from given starting centres. */
export interface LloydCase {
  k: number;
  seed: number;
  initial: number[][];
  inertia: number;
  iterations: number;
  /** Cluster sizes, largest first. */
  sizes: number[];
}

/** kmeans-starts.reference.json, written by make-kmeans-starts-reference.py with scikit-learn. */
export interface KMeansStartsReference {
  sklearn: string;
  rfm: { cases: LloydCase[] };
  blobs: { points: number[][]; cases: LloydCase[] };
}

export function readKMeansStartsReference(): KMeansStartsReference {
  return JSON.parse(
    readFileSync(folder('kmeans-starts.reference.json'), 'utf8'),
  ) as KMeansStartsReference;
}
