/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { decayWeights } from './build-interaction-matrix.js';
import { contentVectors, type ContentVectors } from './content-vectors.js';
import { idsOf } from './id-table.js';
import { itemText, type ItemContent } from './item-text.js';
import { contentProfile, nearestVectors, type Neighbour } from './nearest-vectors.js';
import type { InteractionMatrix, Recommender } from './recommend.schema.js';
import { tfidfVectors } from './tfidf-vectors.js';

/** The `k` items nearest a unit vector by cosine, best first: exact, or an approximate index. */
export type VectorSearch = (query: Float32Array, k: number) => Neighbour[];

/** How many items a content recommendation considers, nearest first (the rules then filter them). */
export const CONTENT_CANDIDATES = 300;

/** Each item of the matrix as a content vector, from its catalogue text (no text: no vector). */
export function itemVectors(
  matrix: InteractionMatrix,
  contentOf: ReadonlyMap<string, ItemContent>,
  dimensions?: number,
): ContentVectors {
  const texts = idsOf(matrix.itemIds).map((id) => {
    const item = contentOf.get(id);
    return item === undefined ? '' : itemText(item);
  });
  return contentVectors(tfidfVectors(texts), dimensions);
}

/** Exact search over the vectors: the reference, and enough for a few thousand items. */
export function exactSearch(content: ContentVectors): VectorSearch {
  return (query, k) => nearestVectors(content, query, k);
}

/**
 * Content-based recommendations: a person's profile is the sum of the vectors of the items they
 * had, each weighted by its time decay (items had since training count as had now); the items
 * nearest that profile by cosine are scored by it, and only they are ranked. Items nobody had
 * yet are found as well as any other (cold start of new items). A person it knows nothing of,
 * or whose items have no text, gets `popularity`.
 */
export function contentRecommender(
  matrix: InteractionMatrix,
  popularity: Float64Array,
  content: ContentVectors,
  halfLifeDays: number,
  search: VectorSearch = exactSearch(content),
): Recommender {
  const weights = decayWeights(matrix, halfLifeDays);
  return {
    method: 'content',
    popularity,
    score(user, into, recent = []) {
      const items: number[] = [];
      const w: number[] = [];
      if (user >= 0)
        for (let p = matrix.userStart[user]!; p < matrix.userStart[user + 1]!; p++) {
          items.push(matrix.items[p]!);
          w.push(weights[p]!);
        }
      for (let r = 0; r < recent.length; r++) {
        items.push(recent[r]!);
        w.push(1);
      }
      const profile = items.length === 0 ? undefined : contentProfile(content, items, w);
      if (profile === undefined) {
        into.set(popularity);
        return undefined;
      }
      // Only the nearest are scored and ranked: no pass over every item of a large catalogue.
      const found = search(profile, CONTENT_CANDIDATES + items.length);
      const candidates = new Int32Array(found.length);
      found.forEach(({ item, similarity }, c) => {
        into[item] = similarity;
        candidates[c] = item;
      });
      return candidates;
    },
  };
}
