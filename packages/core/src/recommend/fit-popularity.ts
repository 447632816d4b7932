/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { decayWeights } from './build-interaction-matrix.js';
import type { InteractionMatrix, Recommender } from './recommend.schema.js';

/**
 * Time-decayed popularity: each item's score is the sum, over the users who had it, of
 * 2^(-age / half-life), the age of their latest interaction with it counted back from the
 * matrix's `now` (a plain count of users without times).
 */
export function itemPopularity(matrix: InteractionMatrix, halfLifeDays: number): Float64Array {
  const weights = decayWeights(matrix, halfLifeDays);
  const popularity = new Float64Array(matrix.itemIds.length);
  for (let p = 0; p < weights.length; p++) popularity[matrix.items[p]!]! += weights[p]!;
  return popularity;
}

/** Recommends the same popular items to everyone (what they had is excluded when ranking). */
export function fitPopularity(matrix: InteractionMatrix, halfLifeDays: number): Recommender {
  const popularity = itemPopularity(matrix, halfLifeDays);
  return {
    method: 'popularity',
    popularity,
    score: (_user, into) => {
      into.set(popularity);
      return undefined;
    },
  };
}
