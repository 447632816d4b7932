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
  // 64 rather than hnswlib's usual 200: the build time grows about linearly with it (1,000,000
  // items: 404 s at 64, bench/RESULTS.md).
  efConstruction: 64,
  // 400: recall@20 0.93 on 200,000 items at 1.3 ms (200: 0.84; 800: 0.98 at 2.3 ms), bench/RESULTS.md.
  efSearch: 400,
  seed: 17,
});

type Index = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** How many items have content (a vector of their own). */
function countKnown(content: ContentVectors): number {
  return content.known.reduce((n, k) => n + k, 0);
}

/**
 * An approximate nearest-neighbour index (hnswlib's HNSW graph, inner product on the unit
 * content vectors, so cosine) over the items that have content. Building costs about
 * items × log(items) distance computations; a search a few hundred, whatever the catalogue.
 */
function buildIndex(content: ContentVectors, o: HnswOptions): Index {
  const { dimensions, vectors, known } = content;
  const index = new hnswlib.HierarchicalNSW('ip', dimensions);
  index.initIndex({
    maxElements: Math.max(1, countKnown(content)),
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
  return index;
}

/** The search of a built index over `count()` items: the `k` nearest, best first. */
function searchOf(index: Index, count: () => number, efSearch: number): VectorSearch {
  index.setEf(efSearch);
  return (query, k) => {
    const n = Math.min(k, count());
    if (n === 0) return [];
    // hnswlib asks for a candidate list at least as long as k.
    if (n > efSearch) index.setEf(n);
    const { neighbors, distances } = index.searchKnn(Array.from(query), n);
    if (n > efSearch) index.setEf(efSearch);
    return neighbors.map((item, i) => ({ item, similarity: 1 - (distances[i] ?? 1) }));
  };
}

/** Builds the index over the content vectors here, and searches it. */
export function hnswSearch(
  content: ContentVectors,
  options: Partial<HnswOptions> = {},
): VectorSearch {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const count = countKnown(content);
  return searchOf(buildIndex(content, o), () => count, o.efSearch);
}

/** Builds the index and writes it to `file` (on the fit's worker thread, so the request thread does not wait). */
export function writeHnswIndex(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
): void {
  buildIndex(content, { ...DEFAULT_HNSW_OPTIONS, ...options }).writeIndexSync(file);
}

/**
 * A content index as served: its search, and the items it leaves out of results (an item the
 * catalogue marks unavailable: hnswlib's markDelete, so a search's candidates are all items a
 * list may show, and no rebuild when the item comes back).
 */
export interface HnswIndex {
  search: VectorSearch;
  /** Leaves the item out of searches (true) or lets it back in (false); an item with no vector is ignored. */
  setLeftOut(item: number, leftOut: boolean): void;
}

/** Reads an index `writeHnswIndex` wrote for these content vectors, for search and leaving items out. */
export function readHnswIndex(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
): HnswIndex {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const index = new hnswlib.HierarchicalNSW('ip', content.dimensions);
  index.readIndexSync(file);
  const leftOut = new Uint8Array(content.known.length);
  let count = countKnown(content);
  const search = searchOf(index, () => count, o.efSearch);
  return {
    search,
    setLeftOut(item, out) {
      if (content.known[item] !== 1 || leftOut[item] === (out ? 1 : 0)) return;
      if (out) index.markDelete(item);
      else index.unmarkDelete(item);
      leftOut[item] = out ? 1 : 0;
      count += out ? -1 : 1;
    },
  };
}

/** Reads an index `writeHnswIndex` wrote for these content vectors, and searches it. */
export function readHnswSearch(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
): VectorSearch {
  return readHnswIndex(content, file, options).search;
}
