/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { tokenize, type TfidfVectors } from './tfidf-vectors.js';

/** Dense vectors, one row of `dimensions` per item (row-major), each of unit length or all zero. */
export interface ContentVectors {
  dimensions: number;
  /** Row-major; may hold more rows than there are items (room to add items: those rows are zero). */
  vectors: Float32Array;
  /** 1 where the item had text, so its row is a unit vector (0: all zero, never a neighbour). */
  known: Uint8Array;
  /**
   * The trained TF-IDF vocabulary and each term's idf, so an item's text can be embedded after
   * training exactly as training would have (`embedText`); absent, items cannot be added.
   */
  vocabulary?: { terms: readonly string[]; idf: Float64Array };
}

/** The dimensions of content vectors unless told: cosines within about ±0.09 of TF-IDF's. */
export const DEFAULT_CONTENT_DIMENSIONS = 256;

/** FNV-1a, 32 bits, over the UTF-16 code units: a term's bucket and sign, the same everywhere. */
function hashTerm(term: string): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < term.length; c++) {
    h ^= term.charCodeAt(c);
    h = Math.imul(h, 0x01000193);
  }
  // A final mix, so the low bits (the bucket) and the top bit (the sign) both depend on every character.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/**
 * TF-IDF rows as dense vectors by the signed hashing trick (Weinberger et al. 2009): each term
 * adds its weight, with a sign, to one of `dimensions` buckets chosen by a hash of the term, and
 * each row is scaled back to unit length. Dot products (cosines) stay those of the TF-IDF rows
 * in expectation, off by collisions only; the vectors have a fixed size whatever the vocabulary,
 * which the approximate nearest-neighbour index needs.
 */
export function contentVectors(
  tfidf: TfidfVectors,
  dimensions = DEFAULT_CONTENT_DIMENSIONS,
): ContentVectors {
  const n = tfidf.start.length - 1;
  const buckets = new Int32Array(tfidf.vocabulary.length);
  const signs = new Float32Array(tfidf.vocabulary.length);
  tfidf.vocabulary.forEach((term, t) => {
    const h = hashTerm(term);
    buckets[t] = h % dimensions;
    signs[t] = h >>> 31 === 1 ? -1 : 1;
  });
  const vectors = new Float32Array(n * dimensions);
  const known = new Uint8Array(n);
  for (let d = 0; d < n; d++) {
    const row = vectors.subarray(d * dimensions, (d + 1) * dimensions);
    for (let p = tfidf.start[d]!; p < tfidf.start[d + 1]!; p++) {
      const t = tfidf.terms[p]!;
      row[buckets[t]!]! += signs[t]! * tfidf.values[p]!;
    }
    if (normalize(row)) known[d] = 1;
  }
  return { dimensions, vectors, known, vocabulary: { terms: tfidf.vocabulary, idf: tfidf.idf } };
}

/** Each vocabulary's term → index, made once per trained vocabulary. */
const termIndexes = new WeakMap<readonly string[], Map<string, number>>();

/**
 * A text's content vector by the trained vocabulary, as `contentVectors(tfidfVectors(...))` made
 * the trained items' (scikit-learn's `transform` after `fit`): the text's terms weighted by their
 * trained idf, terms the vocabulary lacks ignored, scaled to unit length, hashed to the same
 * buckets and scaled again. The same text gives the same vector as at training, bit for bit.
 * Undefined when no term of the text is in the vocabulary (or there is no vocabulary).
 */
export function embedText(content: ContentVectors, text: string): Float32Array | undefined {
  const vocabulary = content.vocabulary;
  if (vocabulary === undefined) return undefined;
  let index = termIndexes.get(vocabulary.terms);
  if (index === undefined) {
    index = new Map(vocabulary.terms.map((term, t) => [term, t]));
    termIndexes.set(vocabulary.terms, index);
  }
  const counts = new Map<number, number>();
  for (const token of tokenize(text)) {
    const t = index.get(token);
    if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  // In term order, as training adds a row's terms (so the float sums are the same).
  const terms = [...counts.keys()].sort((a, b) => a - b);
  const values = terms.map((t) => counts.get(t)! * vocabulary.idf[t]!);
  let norm = 0;
  for (const value of values) norm += value * value;
  const scale = 1 / Math.sqrt(norm);
  const { dimensions } = content;
  const row = new Float32Array(dimensions);
  terms.forEach((t, i) => {
    const h = hashTerm(vocabulary.terms[t]!);
    row[h % dimensions]! += (h >>> 31 === 1 ? -1 : 1) * values[i]! * scale;
  });
  return normalize(row) ? row : undefined;
}

/** Scales a vector to unit length in place; false (left as it is) when it is all zero. */
export function normalize(vector: Float32Array): boolean {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (!(norm > 0)) return false;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  return true;
}
