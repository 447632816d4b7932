import { Index, MetricKind, ScalarKind } from 'usearch';
import type { ContentVectors, VectorSearch } from '@tailor/core';

/** HNSW's settings (Malkov & Yashunin): links per node, and the candidate lists when building and searching. */
export interface HnswOptions {
  m: number;
  efConstruction: number;
  efSearch: number;
}

export const DEFAULT_HNSW_OPTIONS: Readonly<HnswOptions> = Object.freeze({
  m: 16,
  // 64 rather than the usual 200: the build time grows about linearly with it (bench/RESULTS.md).
  efConstruction: 64,
  // 400: recall@20 0.93 on 200,000 items (200: 0.84; 800: 0.98), bench/RESULTS.md.
  efSearch: 400,
});

/**
 * The index file's format, for anything that keeps index files between runs (the bench's fit
 * cache): usearch's HNSW, its vectors stored as 8-bit integers.
 */
export const HNSW_INDEX_FORMAT = 'usearch-i8';

/** Items added to the index in one call while building (their vectors copied together). */
const BUILD_CHUNK = 8192;

/** Candidates found past the `k` asked for, scored exactly with the others (`searchOf`). */
const RESCORED_PAST = 16;

/** How many items have content (a vector of their own). */
function countKnown(content: ContentVectors): number {
  return content.known.reduce((n, k) => n + k, 0);
}

function newIndex(dimensions: number, o: HnswOptions): Index {
  // Inner product on the unit content vectors, so cosine. The graph keeps each vector as 8-bit
  // integers (256 bytes at 256 dimensions instead of 1 KB): a search reads a quarter of the
  // memory and compares with integer SIMD; the candidates it finds are scored again exactly
  // (`searchOf`), so the similarities served are the float vectors' own.
  return new Index({
    dimensions,
    metric: MetricKind.IP,
    quantization: ScalarKind.I8,
    connectivity: o.m,
    expansion_add: o.efConstruction,
    expansion_search: o.efSearch,
    multi: false,
  });
}

/**
 * An approximate nearest-neighbour index (usearch's HNSW graph) over the items that have
 * content. Building costs about items × log(items) distance computations; a search a few hundred,
 * whatever the catalogue. One thread: the fit runs beside serving.
 */
function buildIndex(content: ContentVectors, o: HnswOptions): Index {
  const { dimensions, vectors, known } = content;
  const index = newIndex(dimensions, o);
  const keys = new BigUint64Array(BUILD_CHUNK);
  const chunk = new Float32Array(BUILD_CHUNK * dimensions);
  let n = 0;
  const flush = (): void => {
    if (n > 0) index.add(keys.subarray(0, n), chunk.subarray(0, n * dimensions), 1);
    n = 0;
  };
  for (let item = 0; item < known.length; item++) {
    if (known[item] !== 1) continue;
    keys[n] = BigInt(item);
    chunk.set(vectors.subarray(item * dimensions, (item + 1) * dimensions), n * dimensions);
    if (++n === BUILD_CHUNK) flush();
  }
  flush();
  return index;
}

/** The dot product of a query and a stored vector (both unit length: their cosine). */
function dot(query: Float32Array, vectors: Float32Array, at: number): number {
  let sum = 0;
  for (let j = 0; j < query.length; j++) sum += (query[j] ?? 0) * (vectors[at + j] ?? 0);
  return sum;
}

/**
 * The search of a built index over `count()` items: the `k` nearest, best first. The index
 * compares 8-bit vectors; the items it finds are scored again with their float vectors
 * (`vectorOf`), so a similarity is the exact cosine and the order is exact among them.
 */
function searchOf(
  index: Index,
  count: () => number,
  vectorOf: (item: number) => { vectors: Float32Array; at: number } | undefined,
): VectorSearch {
  return (query, k) => {
    const n = Math.min(k, count());
    if (n === 0) return [];
    // A few more than asked, scored exactly: items the 8-bit comparison ranks just past the n-th
    // (or ties with it) are ordered by their true similarity. A search keeps at least as many
    // candidates as it asks for (usearch widens to it), so the few cost nothing in the search.
    const { keys } = index.search(query, Math.min(n + RESCORED_PAST, count()), 1);
    const found: { item: number; similarity: number }[] = [];
    for (const key of keys) {
      const item = Number(key);
      const row = vectorOf(item);
      if (row !== undefined) found.push({ item, similarity: dot(query, row.vectors, row.at) });
    }
    found.sort((a, b) => b.similarity - a.similarity || a.item - b.item);
    return found.length > n ? found.slice(0, n) : found;
  };
}

/** Builds the index over the content vectors here, and searches it. */
export function hnswSearch(
  content: ContentVectors,
  options: Partial<HnswOptions> = {},
): VectorSearch {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const count = countKnown(content);
  const { dimensions } = content;
  return searchOf(
    buildIndex(content, o),
    () => count,
    (item) => ({ vectors: content.vectors, at: item * dimensions }),
  );
}

/** Builds the index and writes it to `file` (on the fit's worker thread, so the request thread does not wait). */
export function writeHnswIndex(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
): void {
  buildIndex(content, { ...DEFAULT_HNSW_OPTIONS, ...options }).save(file);
}

/**
 * A content index as served: its search, the items it leaves out of results (an item the
 * catalogue marks unavailable: taken out of the graph's results, so a search's candidates are
 * all items a list may show, and put back when the item comes back, no rebuild), and items
 * added or re-embedded between trainings.
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

/** Per item: it has a vector for the index; it is left out (unavailable); it is in the graph now. */
const IN = 1;
const OUT = 2;
const LINKED = 4;

/**
 * Reads an index `writeHnswIndex` wrote for these content vectors, for search, leaving items out
 * and adding them; the items where `leftOut` is 1 are left out from the start (a catalogue's
 * unavailable items, at once rather than an item at a time).
 */
export function readHnswIndex(
  content: ContentVectors,
  file: string,
  options: Partial<HnswOptions> = {},
  leftOut?: Uint8Array,
): HnswIndex {
  const o = { ...DEFAULT_HNSW_OPTIONS, ...options };
  const { dimensions } = content;
  const index = newIndex(dimensions, o);
  index.load(file);
  let state = new Uint8Array(content.known.length);
  content.known.forEach((known, item) => {
    if (known === 1) state[item] = IN | LINKED;
  });
  // The vectors given since training (new items, new text): the content's rows may not hold them.
  const given = new Map<number, Float32Array>();
  const vectorOf = (item: number): { vectors: Float32Array; at: number } | undefined => {
    const vector = given.get(item);
    if (vector !== undefined) return { vectors: vector, at: 0 };
    return content.known[item] === 1
      ? { vectors: content.vectors, at: item * dimensions }
      : undefined;
  };
  /** Items a search can find (in the graph now). */
  let count = countKnown(content);
  const at = (item: number): number => {
    if (item >= state.length) {
      const grown = new Uint8Array(Math.max(item + 1, Math.ceil(state.length * 1.125) + 1024));
      grown.set(state);
      state = grown;
    }
    return state[item] ?? 0;
  };
  /** Puts the item in the graph or takes it out, as its state says. */
  const settle = (item: number, s: number): void => {
    const wanted = (s & IN) !== 0 && (s & OUT) === 0;
    const linked = (s & LINKED) !== 0;
    if (linked && !wanted) {
      index.remove(BigInt(item));
      count--;
    } else if (!linked && wanted) {
      const row = vectorOf(item);
      if (row === undefined) return;
      index.add(BigInt(item), row.vectors.subarray(row.at, row.at + dimensions), 1);
      count++;
    }
    state[item] = wanted ? s | LINKED : s & ~LINKED;
  };
  const setLeftOut = (item: number, out: boolean): void => {
    const s = at(item);
    settle(item, out ? s | OUT : s & ~OUT);
  };
  leftOut?.forEach((out, item) => {
    if (out === 1) setLeftOut(item, true);
  });
  return {
    search: searchOf(index, () => count, vectorOf),
    setLeftOut,
    upsert(item, vector) {
      // New text of an item in the graph: out, then in again with its new vector.
      const s = at(item);
      settle(item, s & ~IN);
      given.set(item, Float32Array.from(vector));
      settle(item, (state[item] ?? 0) | IN);
    },
    remove(item) {
      const s = at(item);
      given.delete(item);
      settle(item, s & ~IN);
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
