/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { normalize, type ContentVectors } from './content-vectors.js';

/** One neighbour: a row of the vectors and its cosine with the query. */
export interface Neighbour {
  item: number;
  similarity: number;
}

/**
 * The `k` rows most similar to `query` (a unit vector) by cosine, exactly, best first (equal
 * similarities by the lower row): every known row is compared, so the cost is items × dimensions.
 * Rows `skip` accepts are passed over. The reference the approximate index is measured against,
 * and the search itself for small catalogues.
 */
export function nearestVectors(
  content: ContentVectors,
  query: Float32Array,
  k: number,
  skip?: (item: number) => boolean,
): Neighbour[] {
  const { dimensions, vectors, known } = content;
  const top: Neighbour[] = [];
  for (let item = 0; item < known.length; item++) {
    if (known[item] !== 1 || skip?.(item) === true) continue;
    let similarity = 0;
    const offset = item * dimensions;
    for (let d = 0; d < dimensions; d++) similarity += vectors[offset + d]! * query[d]!;
    if (top.length === k && !(similarity > top[k - 1]!.similarity)) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && similarity > top[at - 1]!.similarity) {
      top[at] = top[at - 1]!;
      at--;
    }
    top[at] = { item, similarity };
  }
  return top;
}

/**
 * What a person's items say they like, as one unit vector: the sum of the items' vectors, each
 * times its weight (1 when not given). Undefined when none of the items has content.
 */
export function contentProfile(
  content: ContentVectors,
  items: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Float32Array | undefined {
  const { dimensions, vectors, known } = content;
  const profile = new Float32Array(dimensions);
  let any = false;
  for (let p = 0; p < items.length; p++) {
    const item = items[p]!;
    if (known[item] !== 1) continue;
    const w = weights === undefined ? 1 : weights[p]!;
    const offset = item * dimensions;
    for (let d = 0; d < dimensions; d++) profile[d]! += w * vectors[offset + d]!;
    any = true;
  }
  return any && normalize(profile) ? profile : undefined;
}
