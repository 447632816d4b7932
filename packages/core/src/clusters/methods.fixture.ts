import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureMatrix } from './clusters.schema.js';

/** methods.reference.json, written by make-methods-reference.py with scikit-learn. */
export interface MethodsReference {
  sklearn: string;
  blobs: {
    points: number[][];
    dbscan: { eps: number; min_samples: number; labels: number[] }[];
    ward: { k: number; labels: number[] }[];
    gmm: { k: number; bic: number; log_likelihood: number }[];
    gmm_best_k: number;
  };
  rfm_sample: {
    rows: number;
    ward: { k: number; labels: number[] }[];
    dbscan: { eps: number; min_samples: number; labels: number[] };
    gmm: { k: number; bic: number; log_likelihood: number }[];
    gmm_best_k: number;
  };
  matching: { previous: number[][]; next: number[][]; match: number[] }[];
}

export function readMethodsReference(): MethodsReference {
  const path = fileURLToPath(
    new URL('../../../server/test/fixtures/online-retail/methods.reference.json', import.meta.url),
  );
  return JSON.parse(readFileSync(path, 'utf8')) as MethodsReference;
}

/** Rows of numbers as a FeatureMatrix. */
export function matrixOf(points: readonly (readonly number[])[]): FeatureMatrix {
  const columns = points[0]?.length ?? 0;
  return { values: Float64Array.from(points.flat()), rows: points.length, columns };
}

/** Labels renumbered by first appearance (noise, −1, kept): equal partitions compare equal. */
export function canonical(labels: ArrayLike<number>): number[] {
  const numbers = new Map<number, number>();
  return Array.from(labels, (label) => {
    if (label < 0) return label;
    if (!numbers.has(label)) numbers.set(label, numbers.size);
    return numbers.get(label) ?? -1;
  });
}
