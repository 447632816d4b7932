import { ok, type Result } from '../result/result.js';
import { fitEase } from './fit-ease.js';
import { fitItemKnn } from './fit-item-knn.js';
import { fitPopularity, itemPopularity } from './fit-popularity.js';
import { rankItems } from './rank-items.js';
import {
  DEFAULT_RECOMMENDER_OPTIONS,
  type InteractionMatrix,
  type RankedItem,
  type Recommender,
  type RecommenderMethod,
  type RecommenderOptions,
} from './recommend.schema.js';

/** Trains one method on the matrix (options not given take DEFAULT_RECOMMENDER_OPTIONS). */
export function trainRecommender(
  matrix: InteractionMatrix,
  method: RecommenderMethod,
  options: Partial<RecommenderOptions> = {},
): Result<Recommender> {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  switch (method) {
    case 'popularity':
      return ok(fitPopularity(matrix, o.popularityHalfLifeDays));
    case 'item-knn':
      return ok(
        fitItemKnn(
          matrix,
          itemPopularity(matrix, o.popularityHalfLifeDays),
          o.shrinkage,
          o.neighbours,
        ),
      );
    case 'ease':
      return fitEase(matrix, itemPopularity(matrix, o.popularityHalfLifeDays), {
        lambda: o.lambda,
        halfLifeDays: o.easeHalfLifeDays,
        maxItems: o.maxItems,
      });
  }
}

/**
 * Up to `k` items for a user (a row of `matrix`, or -1 for a user it does not know), best first,
 * none of those the user had. `scratch` (length = items) is reused between calls when given.
 */
export function recommendItems(
  matrix: InteractionMatrix,
  recommender: Recommender,
  user: number,
  k: number,
  scratch = new Float64Array(matrix.itemIds.length),
): RankedItem[] {
  recommender.score(user, scratch);
  const had =
    user < 0 ? [] : matrix.items.subarray(matrix.userStart[user], matrix.userStart[user + 1]);
  return rankItems(scratch, recommender.popularity, had, k);
}
