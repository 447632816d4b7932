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
 * A content index as served: its search, the items it leaves out of results (an item the
 * catalogue marks unavailable: hnswlib's markDelete, so a search's candidates are all items a
 * list may show, and no rebuild when the item comes back), and items added or re-embedded
 * between trainings (addPoint, the index grown by resizeIndex when full).
 */
export interface HnswIndex {
  search: VectorSearch;
  /** Leaves the item out of searches (true) or lets it back in (false), remembered for an item not in the index. */
  setLeftOut(item: number, leftOut: boolean): void;
  /** Puts the item's vector in the index: a new item, or new text of one there (replaced). */
  upsert(item: number, vector: Float32Array): void;
  /** Takes the item out of the index (its text is gone). */
  remove(item: number): void;
}

/** Per item: in the index now; left out (unavailable); ever added (its label is in the graph). */
const IN = 1;
const OUT = 2;
const EVER = 4;

/** Reads an index `writeHnswIndex` wrote for these content vectors, for search, leaving items out and adding them. */
export function readHnswIndex(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
): HnswIndex {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const index = new hnswlib.HierarchicalNSW('ip', content.dimensions);
  index.readIndexSync(file);
  let state = new Uint8Array(content.known.length);
  content.known.forEach((known, item) => {
    if (known === 1) state[item] = IN | EVER;
  });
  /** Items a search can find (in the index, not left out). */
  let count = countKnown(content);
  const at = (item: number): number => {
    if (item >= state.length) {
      const grown = new Uint8Array(Math.max(item + 1, Math.ceil(state.length * 1.125) + 1024));
      grown.set(state);
      state = grown;
    }
    return state[item] ?? 0;
  };
  const visible = (s: number): boolean => (s & IN) !== 0 && (s & OUT) === 0;
  const search = searchOf(index, () => count, o.efSearch);
  return {
    search,
    setLeftOut(item, out) {
      const s = at(item);
      if (((s & OUT) !== 0) === out) return;
      state[item] = out ? s | OUT : s & ~OUT;
      if ((s & IN) === 0) return;
      if (out) index.markDelete(item);
      else index.unmarkDelete(item);
      count += out ? -1 : 1;
    },
    upsert(item, vector) {
      const s = at(item);
      if ((s & EVER) === 0 && index.getCurrentCount() >= index.getMaxElements())
        index.resizeIndex(Math.ceil(index.getMaxElements() * 1.125) + 1024);
      // A label already in the graph is updated in place (and let back in if it was deleted).
      index.addPoint(Array.from(vector), item);
      if ((s & OUT) !== 0) index.markDelete(item);
      state[item] = s | IN | EVER;
      if (!visible(s) && visible(state[item] ?? 0)) count++;
    },
    remove(item) {
      const s = at(item);
      if ((s & IN) === 0) return;
      if ((s & OUT) === 0) {
        index.markDelete(item);
        count--;
      }
      state[item] = s & ~IN;
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
