/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';

export interface DbscanOptions {
  /** Rows within this Euclidean distance (inclusive) are neighbours. */
  eps: number;
  /** Neighbours, the row itself counted, that make a row a core row. */
  minSamples: number;
}

export interface DbscanFit {
  /** Clusters found (noise is not one). */
  k: number;
  /** The cluster of each row, 0..k-1, or −1 for noise. */
  labels: Int32Array;
  /** Whether each row is a core row. */
  core: Uint8Array;
}

/**
 * DBSCAN (Ester et al., 1996) as scikit-learn runs it: core rows have at least `minSamples`
 * rows (themselves included) within `eps`; clusters grow from core rows in row order, and a
 * border row belongs to the first cluster that reaches it, so the labels equal DBSCAN's.
 * Neighbourhoods are found by comparing every pair (O(rows²) time, O(rows) memory beyond the
 * neighbour lists), which suits the populations of a few tens of thousands it is offered for.
 */
export function fitDbscan(matrix: FeatureMatrix, options: DbscanOptions): DbscanFit {
  const { values, rows, columns } = matrix;
  const limit = options.eps * options.eps;
  const neighbours: number[][] = Array.from({ length: rows }, (_, i) => [i]);
  for (let i = 0; i < rows; i++) {
    const a = i * columns;
    for (let j = i + 1; j < rows; j++) {
      const b = j * columns;
      let d = 0;
      for (let c = 0; c < columns && d <= limit; c++) {
        const diff = values[a + c]! - values[b + c]!;
        d += diff * diff;
      }
      if (d <= limit) {
        neighbours[i]!.push(j);
        neighbours[j]!.push(i);
      }
    }
  }
  const core = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) core[i] = neighbours[i]!.length >= options.minSamples ? 1 : 0;
  const labels = new Int32Array(rows).fill(-1);
  let k = 0;
  const stack: number[] = [];
  for (let start = 0; start < rows; start++) {
    if (labels[start] !== -1 || core[start] === 0) continue;
    let i = start;
    for (;;) {
      if (labels[i] === -1) {
        labels[i] = k;
        if (core[i] === 1) for (const j of neighbours[i]!) if (labels[j] === -1) stack.push(j);
      }
      const next = stack.pop();
      if (next === undefined) break;
      i = next;
    }
    k++;
  }
  return { k, labels, core };
}
