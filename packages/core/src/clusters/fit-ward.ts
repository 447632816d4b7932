/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range in hot loops; `?? 0` would add a branch per element */
import type { FeatureMatrix } from './clusters.schema.js';

/** Ward keeps the distances of every pair: rows² / 2 numbers (5,000 rows: 100 MB). */
export const WARD_MAX_ROWS = 5_000;

export interface WardMerge {
  /** The two clusters joined, by their first row. */
  a: number;
  b: number;
  /** The Ward distance at which they were joined (as scipy's linkage height). */
  height: number;
}

export interface WardFit {
  k: number;
  /** The cluster of each row, 0..k-1, numbered by each cluster's first row. */
  labels: Int32Array;
  /** The rows − 1 merges, lowest first: the dendrogram. */
  merges: WardMerge[];
}

/**
 * Ward's agglomerative clustering (minimum increase of within-cluster variance), as scikit-learn's
 * AgglomerativeClustering(linkage='ward'): the nearest-neighbour chain over squared distances
 * updated by Lance–Williams, O(rows²) time and memory, then the tree cut at k clusters. For small
 * populations (at most WARD_MAX_ROWS rows); the caller checks the size.
 */
export function fitWard(matrix: FeatureMatrix, k: number): WardFit {
  const merges = wardMerges(matrix);
  return { k, labels: cutTree(matrix.rows, merges, k), merges };
}

/** The rows − 1 merges of Ward's clustering, lowest first (the dendrogram, to cut at any k). */
export function wardMerges(matrix: FeatureMatrix): WardMerge[] {
  const { values, rows, columns } = matrix;
  // Condensed squared distances: pair (i < j) at index(i, j).
  const index = (i: number, j: number): number =>
    i < j ? i * rows - (i * (i + 1)) / 2 + (j - i - 1) : j * rows - (j * (j + 1)) / 2 + (i - j - 1);
  const distance = new Float64Array((rows * (rows - 1)) / 2);
  for (let i = 0; i < rows; i++)
    for (let j = i + 1; j < rows; j++) {
      let d = 0;
      for (let c = 0; c < columns; c++) {
        const diff = values[i * columns + c]! - values[j * columns + c]!;
        d += diff * diff;
      }
      distance[index(i, j)] = d;
    }
  const size = new Float64Array(rows).fill(1);
  const active = new Uint8Array(rows).fill(1);
  const merges: WardMerge[] = [];
  const chain: number[] = [];
  while (merges.length < rows - 1) {
    if (chain.length === 0) chain.push(active.indexOf(1));
    for (;;) {
      const x = chain[chain.length - 1]!;
      const previous = chain.length > 1 ? chain[chain.length - 2]! : -1;
      // Nearest active neighbour of x; the previous link wins ties, so the chain ends.
      let nearest = previous;
      let best = previous === -1 ? Infinity : distance[index(x, previous)]!;
      for (let y = 0; y < rows; y++) {
        if (y === x || active[y] === 0) continue;
        const d = distance[index(x, y)]!;
        if (d < best) [best, nearest] = [d, y];
      }
      if (nearest === previous) {
        chain.length -= 2;
        // Join into the lower row; Lance–Williams for Ward on squared distances.
        const [a, b] = x < previous ? [x, previous] : [previous, x];
        const [na, nb] = [size[a]!, size[b]!];
        for (let y = 0; y < rows; y++) {
          if (y === a || y === b || active[y] === 0) continue;
          const ny = size[y]!;
          distance[index(a, y)] =
            ((na + ny) * distance[index(a, y)]! + (nb + ny) * distance[index(b, y)]! - ny * best) /
            (na + nb + ny);
        }
        size[a] = na + nb;
        active[b] = 0;
        // scipy's height: sqrt(2 · increase) = sqrt of the Lance–Williams value.
        merges.push({ a, b, height: Math.sqrt(best) });
        break;
      }
      chain.push(nearest);
    }
  }
  return merges.sort((m, n) => m.height - n.height);
}

/** The clusters left after the first rows − k merges, numbered by first row. */
export function cutTree(rows: number, merges: readonly WardMerge[], k: number): Int32Array {
  const parent = Int32Array.from({ length: rows }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const merge of merges.slice(0, Math.max(0, rows - k))) {
    const [a, b] = [find(merge.a), find(merge.b)];
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  const labels = new Int32Array(rows);
  const numbers = new Map<number, number>();
  for (let i = 0; i < rows; i++) {
    const root = find(i);
    if (!numbers.has(root)) numbers.set(root, numbers.size);
    labels[i] = numbers.get(root)!;
  }
  return labels;
}
