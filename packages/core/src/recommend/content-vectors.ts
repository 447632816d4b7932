/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { TfidfVectors } from './tfidf-vectors.js';

/** Dense vectors, one row of `dimensions` per item (row-major), each of unit length or all zero. */
export interface ContentVectors {
  dimensions: number;
  vectors: Float32Array;
  /** 1 where the item had text, so its row is a unit vector (0: all zero, never a neighbour). */
  known: Uint8Array;
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
  return { dimensions, vectors, known };
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
