/**
 * Recommendations from implicit feedback: who had which item (and when). Users and items are
 * numbered 0..n-1 in the order of their ids (plain string order), so every result is the same
 * whatever the order of the input rows.
 */

import type { IdList } from './id-table.js';

/**
 * One interaction: a user had an item, at `time` (epoch milliseconds) when known, as part of
 * `basket` when known (an order: the items bought together, for method `bought-together`).
 */
export interface Interaction {
  user: string;
  item: string;
  time?: number;
  basket?: string;
}

/**
 * The distinct (user, item) pairs as a sparse matrix, rows by user (CSR): the items of user u
 * are `items[userStart[u] .. userStart[u + 1])`, in increasing order, and `lastTime` holds each
 * pair's latest time (NaN when the input had no times). `now` is the latest time seen (NaN
 * without times): time decay counts ages back from it. The ids are arrays as built, tables
 * (`IdTable`) in a served model.
 */
export interface InteractionMatrix<Ids extends IdList = IdList> {
  userIds: Ids;
  itemIds: Ids;
  userStart: Int32Array;
  items: Int32Array;
  lastTime: Float64Array;
  now: number;
}

/**
 * The methods that learn from interactions alone (`tailor recommend` offers these);
 * `bought-together` needs each interaction's basket (its order).
 */
export const RECOMMENDER_METHODS = ['popularity', 'item-knn', 'ease', 'bought-together'] as const;
/**
 * Those, `content`, which also reads the catalogue's text (served recommenders only), and
 * `blend`, a mixed list of several of them.
 */
export type RecommenderMethod = (typeof RECOMMENDER_METHODS)[number] | 'content' | 'blend';

/**
 * The method `tailor recommend` uses unless told: EASE on time-decayed interactions was the best
 * of the three on UCI Online Retail (bench/recommend, docs/recommendations.md).
 */
export const DEFAULT_METHOD: RecommenderMethod = 'ease';

export interface RecommenderOptions {
  /** Popularity: the half-life, in days, of an interaction's weight (default 30). */
  popularityHalfLifeDays: number;
  /** Item-kNN: cosine shrinkage, added to the denominator (default 10). */
  shrinkage: number;
  /** Item-kNN: neighbours kept per item, the most similar (default 50). */
  neighbours: number;
  /** EASE: the L2 penalty λ on the item-item weights (default 200). */
  lambda: number;
  /** EASE: the half-life, in days, of an interaction's weight (default 90). */
  easeHalfLifeDays: number;
  /** EASE: the largest catalogue it learns, the most frequent items (default 4000). */
  maxItems: number;
}

export const DEFAULT_RECOMMENDER_OPTIONS: Readonly<RecommenderOptions> = Object.freeze({
  popularityHalfLifeDays: 30,
  shrinkage: 10,
  neighbours: 50,
  lambda: 200,
  easeHalfLifeDays: 90,
  maxItems: 4000,
});

/**
 * A trained recommender. `score(user, into, recent?)` writes a score for every item into `into`
 * (length = items): higher is better, -Infinity for an item it cannot recommend. `user` is a row
 * of the matrix it was trained on, or -1 for a user it never saw (then: popular items); `recent`
 * are items (indexes) the user had since training, none of them in their row, which count as had
 * just now (popularity ignores them). Equal scores are ranked by `popularity` (time-decayed), then
 * by item index.
 */
export interface Recommender {
  method: RecommenderMethod;
  popularity: Float64Array;
  /**
   * Returns the items it scored when it scored only some (content: the nearest found): only those
   * of `into` are then written, the others hold whatever was there, and only they are ranked.
   */
  score(user: number, into: Float64Array, recent?: ArrayLike<number>): Int32Array | undefined;
}

/** One recommended item: its index in the matrix and its score. */
export interface RankedItem {
  item: number;
  score: number;
}
