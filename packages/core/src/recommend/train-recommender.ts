import { err, ok, type Result } from '../result/result.js';
import { applyBoosts } from './boost-factors.js';
import type { ContentVectors } from './content-vectors.js';
import { blendRecommender } from './fit-blend.js';
import { contentRecommender, itemVectors, type VectorSearch } from './fit-content.js';
import { easeRecommender, easeWeights, type EaseWeights } from './fit-ease.js';
import { itemKnnRecommender, itemNeighbours, type ItemNeighbours } from './fit-item-knn.js';
import { fitPopularity, itemPopularity } from './fit-popularity.js';
import type { ItemContent } from './item-text.js';
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
 * item-kNN's neighbours, content's item vectors; popularity learns nothing beyond the matrix. The costly part of
 * training, so it can run elsewhere (a worker thread) and be sent back.
 */
export type FittedParameters =
  | { method: 'popularity' }
  | { method: 'item-knn'; neighbours: ItemNeighbours }
  | { method: 'bought-together'; neighbours: ItemNeighbours }
  | { method: 'ease'; weights: EaseWeights }
  | { method: 'content'; content: ContentVectors }
  | { method: 'blend'; parts: { weight: number; parameters: FittedParameters }[] };

/** A part of a blend: a method (not itself a blend) and the weight of its ranks. */
export interface BlendSpec {
  method: Exclude<RecommenderMethod, 'blend'>;
  weight: number;
}

/** What some methods read besides the interaction matrix. */
export interface FitInputs {
  /** `content`: each item's text (the catalogue); an item missing has none. */
  contentOf?: ReadonlyMap<string, ItemContent> | undefined;
  /** `bought-together`: the orders, a row per basket over the matrix's items (`buildBasketMatrix`). */
  baskets?: InteractionMatrix | undefined;
  /** `blend`: its parts, each fitted with the same options and inputs. */
  blend?: readonly BlendSpec[] | undefined;
}

/**
 * Fits one method's parameters on the matrix (options not given take DEFAULT_RECOMMENDER_OPTIONS).
 * `content` reads each item's text from `inputs.contentOf`; `bought-together` the orders in
 * `inputs.baskets`, and is refused without any basket of two items or more.
 */
export function fitParameters(
  matrix: InteractionMatrix,
  method: RecommenderMethod,
  options: Partial<RecommenderOptions> = {},
  inputs: FitInputs = {},
): Result<FittedParameters> {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  const { contentOf = new Map<string, ItemContent>(), baskets } = inputs;
  switch (method) {
    case 'blend': {
      const parts: { weight: number; parameters: FittedParameters }[] = [];
      if ((inputs.blend ?? []).length === 0) return err('blend needs its parts');
      for (const { method: part, weight } of inputs.blend ?? []) {
        const parameters = fitParameters(matrix, part, options, inputs);
        if (!parameters.ok) return err(`${part}: ${parameters.error}`);
        parts.push({ weight, parameters: parameters.value });
      }
      return ok({ method, parts });
    }
    case 'popularity':
      return ok({ method });
    case 'item-knn':
      return ok({ method, neighbours: itemNeighbours(matrix, o.shrinkage, o.neighbours) });
    case 'bought-together': {
      if (baskets === undefined || !hasPair(baskets))
        return err(
          'bought-together needs orders: interactions with an order (basket) of two items or more',
        );
      // Item-item cosine as item-kNN's, counted over orders instead of people's histories.
      return ok({ method, neighbours: itemNeighbours(baskets, o.shrinkage, o.neighbours) });
    }
    case 'ease': {
      const weights = easeWeights(matrix, o.lambda, o.easeHalfLifeDays, o.maxItems);
      return weights.ok ? ok({ method, weights: weights.value }) : weights;
    }
    case 'content':
      return ok({ method, content: itemVectors(matrix, contentOf) });
  }
}

/**
 * The recommender of parameters `fitParameters` fitted on `matrix` with the same options (cheap);
 * `content` (alone or in a blend) searches its vectors with `search` (default: exactly).
 */
export function recommenderFrom(
  matrix: InteractionMatrix,
  parameters: FittedParameters,
  options: Partial<RecommenderOptions> = {},
  search?: VectorSearch,
): Recommender {
  const o = { ...DEFAULT_RECOMMENDER_OPTIONS, ...options };
  switch (parameters.method) {
    case 'blend':
      return blendRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.parts.map(({ weight, parameters: part }) => ({
          weight,
          recommender: recommenderFrom(matrix, part, options, search),
        })),
      );
    case 'popularity':
      return fitPopularity(matrix, o.popularityHalfLifeDays);
    case 'item-knn':
      return itemKnnRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.neighbours,
      );
    case 'bought-together':
      return {
        ...itemKnnRecommender(
          matrix,
          itemPopularity(matrix, o.popularityHalfLifeDays),
          parameters.neighbours,
        ),
        method: 'bought-together',
      };
    case 'ease':
      return easeRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.weights,
        o.easeHalfLifeDays,
      );
    case 'content':
      return contentRecommender(
        matrix,
        itemPopularity(matrix, o.popularityHalfLifeDays),
        parameters.content,
        o.easeHalfLifeDays,
        search,
      );
  }
}

/** Whether some basket holds two items or more (so something was bought together). */
function hasPair(baskets: InteractionMatrix): boolean {
  for (let b = 0; b + 1 < baskets.userStart.length; b++)
    if ((baskets.userStart[b + 1] ?? 0) - (baskets.userStart[b] ?? 0) > 1) return true;
  return false;
}

/** Trains one method on the matrix (options not given take DEFAULT_RECOMMENDER_OPTIONS). */
export function trainRecommender(
  matrix: InteractionMatrix,
  method: RecommenderMethod,
  options: Partial<RecommenderOptions> = {},
  inputs: FitInputs = {},
): Result<Recommender> {
  const parameters = fitParameters(matrix, method, options, inputs);
  return parameters.ok ? ok(recommenderFrom(matrix, parameters.value, options)) : parameters;
}

/** What a served list adds to the method's scores (docs/recommendations.md, "Business rules"). */
export interface ListShaping {
  /** Each item's boost factor (`applyBoosts`). */
  boost?: Float64Array | undefined;
  /**
   * For a user the model does not know who had nothing since: writes scores from what else is
   * known of them (their segments' popular items) and answers true, or false to leave popularity.
   */
  coldUser?: ((into: Float64Array) => boolean) | undefined;
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
  shaping: ListShaping = {},
): RankedItem[] {
  const row =
    user < 0 ? [] : matrix.items.subarray(matrix.userStart[user], matrix.userStart[user + 1]);
  const inRow = new Set(row);
  const since = recent.length === 0 ? [] : [...new Set(recent)].filter((item) => !inRow.has(item));
  const candidates =
    user >= 0 || since.length > 0 || shaping.coldUser?.(scratch) !== true
      ? recommender.score(user, scratch, since)
      : undefined;
  if (shaping.boost !== undefined) applyBoosts(scratch, shaping.boost, candidates);
  const had = since.length === 0 ? row : [...row, ...since];
  return rankItems(scratch, recommender.popularity, had, k, candidates);
}
