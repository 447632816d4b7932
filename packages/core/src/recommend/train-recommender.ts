import { ok, type Result } from '../result/result.js';
import { easeRecommender, easeWeights, type EaseWeights } from './fit-ease.js';
import { itemKnnRecommender, itemNeighbours, type ItemNeighbours } from './fit-item-knn.js';
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

/**
 * What training a method learns, as plain data (typed arrays): EASE's item-item weights or
 * item-kNN's neighbours; popularity learns nothing beyond the matrix. The costly part of
 * training, so it can run elsewhere (a worker thread) and be sent back.
 */
export type FittedParameters =
  | { method: 'popularity' }
  | { method: 'item-knn'; neighbours: ItemNeighbours }
  | { method: 'ease'; weights: EaseWeights };

/** Fits one method's parameters on the matrix (options not given take DEFAULT_RECOMMENDER_OPTIONS). */
export function fitParameters(
  matrix: InteractionMatrix,
  method: RecommenderMethod,
  options: Partial<RecommenderOptions> = {},
): Result<FittedParameters> {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  switch (method) {
    case 'popularity':
      return ok({ method });
    case 'item-knn':
      return ok({ method, neighbours: itemNeighbours(matrix, o.shrinkage, o.neighbours) });
    case 'ease': {
      const weights = easeWeights(matrix, o.lambda, o.easeHalfLifeDays, o.maxItems);
      return weights.ok ? ok({ method, weights: weights.value }) : weights;
    }
  }
}

/** The recommender of parameters `fitParameters` fitted on `matrix` with the same options (cheap). */
export function recommenderFrom(
  matrix: InteractionMatrix,
  parameters: FittedParameters,
  options: Partial<RecommenderOptions> = {},
): Recommender {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  switch (parameters.method) {
    case 'popularity':
      return fitPopularity(matrix, o.popularityHalfLifeDays);
    case 'item-knn':
      return itemKnnRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.neighbours,
      );
    case 'ease':
      return easeRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.weights,
        o.easeHalfLifeDays,
      );
  }
}

/** Trains one method on the matrix (options not given take DEFAULT_RECOMMENDER_OPTIONS). */
export function trainRecommender(
  matrix: InteractionMatrix,
  method: RecommenderMethod,
  options: Partial<RecommenderOptions> = {},
): Result<Recommender> {
  const parameters = fitParameters(matrix, method, options);
  return parameters.ok ? ok(recommenderFrom(matrix, parameters.value, options)) : parameters;
}

/**
 * Up to `k` items for a user (a row of `matrix`, or -1 for a user it does not know), best first,
 * none of those the user had, in training or since (`recent`: item indexes, which also count in
 * the scores). `scratch` (length = items) is reused between calls when given.
 */
export function recommendItems(
  matrix: InteractionMatrix,
  recommender: Recommender,
  user: number,
  k: number,
  scratch = new Float64Array(matrix.itemIds.length),
  recent: readonly number[] = [],
): RankedItem[] {
  const row =
    user < 0 ? [] : matrix.items.subarray(matrix.userStart[user], matrix.userStart[user + 1]);
  if (recent.length === 0) {
    recommender.score(user, scratch);
    return rankItems(scratch, recommender.popularity, row, k);
  }
  const inRow = new Set(row);
  const since = [...new Set(recent)].filter((item) => !inRow.has(item));
  recommender.score(user, scratch, since);
  return rankItems(scratch, recommender.popularity, [...row, ...since], k);
}
