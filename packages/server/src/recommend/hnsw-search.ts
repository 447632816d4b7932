import hnswlib from 'hnswlib-node';
import type { ContentVectors, VectorSearch } from '@tailor/core';

/** HNSW's settings (Malkov & Yashunin): links per node, and the candidate lists when building and searching. */
export interface HnswOptions {
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

export const DEFAULT_HNSW_OPTIONS: Readonly<HnswOptions> = Object.freeze({
  m: 16,
  // 64 rather than hnswlib's usual 200: a third of the build time for 1,000,000 items (bench/RESULTS.md).
  efConstruction: 64,
  efSearch: 200,
  seed: 17,
});

/**
 * An approximate nearest-neighbour index (hnswlib's HNSW graph, inner product on the unit
 * content vectors, so cosine) over the items that have content, and its search. Building costs
 * about items × log(items) distance computations; a search a few hundred, whatever the catalogue.
 */
export function hnswSearch(
  content: ContentVectors,
  options: Partial<HnswOptions> = {},
): VectorSearch {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const { dimensions, vectors, known } = content;
  const index = new hnswlib.HierarchicalNSW('ip', dimensions);
  const count = known.reduce((n, k) => n + k, 0);
  index.initIndex({
    maxElements: Math.max(1, count),
    m: o.m,
    efConstruction: o.efConstruction,
    randomSeed: o.seed,
  });
  for (let item = 0; item < known.length; item++)
    if (known[item] === 1)
      index.addPoint(
        Array.from(vectors.subarray(item * dimensions, (item + 1) * dimensions)),
        item,
      );
  index.setEf(o.efSearch);
  return (query, k) => {
    const n = Math.min(k, count);
    if (n === 0) return [];
    // hnswlib asks for a larger candidate list than k itself when k is past efSearch.
    if (n > o.efSearch) index.setEf(n);
    const { neighbors, distances } = index.searchKnn(Array.from(query), n);
    if (n > o.efSearch) index.setEf(o.efSearch);
    return neighbors.map((item, i) => ({ item, similarity: 1 - (distances[i] ?? 1) }));
  };
}
