/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { err, ok, type Result } from '../result/result.js';
import { buildBasketMatrix } from './build-basket-matrix.js';
import { buildInteractionMatrix, itemCounts } from './build-interaction-matrix.js';
import { ndcgAtK, recallAtK } from './ranking-metrics.js';
import type { Interaction, InteractionMatrix, Recommender } from './recommend.schema.js';
import { recommendItems } from './train-recommender.js';

/** A held-out user: their row in the training matrix and the items new to them in the test period. */
export interface HeldOutUser {
  user: number;
  /** The new items that are in the training catalogue (the only ones a list can contain). */
  relevant: ReadonlySet<number>;
  /** Every new item, those unknown at training included. */
  relevantCount: number;
}

/** A time split: the training matrix (before `split`) and the users evaluated on what came after. */
export interface TimeSplit {
  train: InteractionMatrix<readonly string[]>;
  heldOut: HeldOutUser[];
  testInteractions: number;
  /** The training period's orders over the training items, when interactions name their basket. */
  trainBaskets?: InteractionMatrix<readonly string[]>;
  /** The test period's orders of two training items or more (item indexes ascending), for `evaluateBaskets`. */
  testBaskets?: Int32Array[];
}

/**
 * Splits at `split` (epoch ms): interactions before it train, those at or after it test. The
 * evaluated users are those in both periods with at least one item in the test period that
 * they did not have in training; their relevant items are those new items. Every interaction
 * needs a time.
 */
export function splitByTime(
  interactions: readonly Interaction[],
  split: number,
): Result<TimeSplit> {
  const train: Interaction[] = [];
  const test = new Map<string, Set<string>>();
  const testOrders: Interaction[] = [];
  let testInteractions = 0;
  for (const interaction of interactions) {
    const { time } = interaction;
    if (time === undefined || !Number.isFinite(time))
      return err(`every interaction needs a time to split (user ${interaction.user})`);
    if (time < split) train.push(interaction);
    else {
      testInteractions++;
      if (interaction.basket !== undefined) testOrders.push(interaction);
      let items = test.get(interaction.user);
      if (items === undefined) test.set(interaction.user, (items = new Set()));
      items.add(interaction.item);
    }
  }
  if (train.length === 0) return err('no interaction before the split');
  if (testInteractions === 0) return err('no interaction at or after the split');
  const matrix = buildInteractionMatrix(train);
  const itemIndex = new Map(matrix.itemIds.map((id, i) => [id, i]));
  const heldOut: HeldOutUser[] = [];
  for (const [u, id] of matrix.userIds.entries()) {
    const items = test.get(id);
    if (items === undefined) continue;
    const had = new Set(matrix.items.subarray(matrix.userStart[u], matrix.userStart[u + 1]));
    const relevant = new Set<number>();
    let relevantCount = 0;
    for (const item of items) {
      const i = itemIndex.get(item);
      if (i !== undefined && had.has(i)) continue;
      relevantCount++;
      if (i !== undefined) relevant.add(i);
    }
    if (relevantCount > 0) heldOut.push({ user: u, relevant, relevantCount });
  }
  const result: TimeSplit = { train: matrix, heldOut, testInteractions };
  if (train.some((i) => i.basket !== undefined))
    result.trainBaskets = buildBasketMatrix(train, matrix.itemIds);
  if (testOrders.length > 0) {
    const orders = buildBasketMatrix(testOrders, matrix.itemIds);
    result.testBaskets = [];
    for (let b = 0; b < orders.userIds.length; b++) {
      const items = orders.items.subarray(orders.userStart[b], orders.userStart[b + 1]);
      if (items.length > 1) result.testBaskets.push(items);
    }
  }
  return ok(result);
}

/** How well a recommender completes orders (`evaluateBaskets`): means over the orders evaluated. */
export interface BasketEvaluation {
  baskets: number;
  /** Share of orders whose held-out item is in the first K (recall of one item: the hit rate). */
  recall: number;
  ndcg: number;
  coverage: number;
}

/**
 * "Bought together" measured as order completion: from each test order of two training items or
 * more, one item is held out (the (b mod n)-th in index order, b the order's number, n its
 * items: deterministic, spread over positions) and the rest are given as what a stranger just
 * had (a cart, no history); Recall@K is the share of orders whose held-out item is ranked in
 * the first K, the given items excluded, NDCG@K its 1/log2(rank + 1).
 */
export function evaluateBaskets(
  split: TimeSplit,
  recommender: Recommender,
  k: number,
): BasketEvaluation {
  const { train } = split;
  const baskets = split.testBaskets ?? [];
  const scratch = new Float64Array(train.itemIds.length);
  const recommended = new Uint8Array(train.itemIds.length);
  let recall = 0;
  let ndcg = 0;
  baskets.forEach((items, b) => {
    const held = items[b % items.length]!;
    const given = Array.from(items).filter((item) => item !== held);
    const ranked = recommendItems(train, recommender, -1, k, scratch, given);
    const at = ranked.findIndex((r) => r.item === held);
    for (const r of ranked) recommended[r.item] = 1;
    if (at < 0) return;
    recall += 1;
    ndcg += 1 / Math.log2(at + 2);
  });
  const n = Math.max(1, baskets.length);
  const covered = recommended.reduce((sum, r) => sum + r, 0);
  return {
    baskets: baskets.length,
    recall: recall / n,
    ndcg: ndcg / n,
    coverage: covered / Math.max(1, train.itemIds.length),
  };
}

/** Means over the evaluated users; coverage and popularity bias as documented on each field. */
export interface RecommenderEvaluation {
  users: number;
  recall: number;
  ndcg: number;
  /** Distinct items recommended to anyone, over the training catalogue. */
  coverage: number;
  /**
   * Average recommendation popularity: the mean, over users and their K items, of the share of
   * training users who had the item (0 to 1; popularity alone maximizes it).
   */
  popularityBias: number;
}

/** Ranks the full training catalogue for each held-out user (minus what they had) and scores the top K. */
export function evaluateRecommender(
  split: TimeSplit,
  recommender: Recommender,
  k: number,
): RecommenderEvaluation {
  const { train, heldOut } = split;
  const counts = itemCounts(train);
  const userCount = train.userIds.length;
  const recommended = new Uint8Array(train.itemIds.length);
  const scratch = new Float64Array(train.itemIds.length);
  let recall = 0;
  let ndcg = 0;
  let popularity = 0;
  for (const { user, relevant, relevantCount } of heldOut) {
    const ranked = recommendItems(train, recommender, user, k, scratch).map((r) => r.item);
    recall += recallAtK(ranked, relevant, relevantCount, k);
    ndcg += ndcgAtK(ranked, relevant, relevantCount, k);
    let share = 0;
    for (const item of ranked) {
      recommended[item] = 1;
      share += counts[item]! / userCount;
    }
    if (ranked.length > 0) popularity += share / ranked.length;
  }
  const n = Math.max(1, heldOut.length);
  const covered = recommended.reduce((sum, r) => sum + r, 0);
  return {
    users: heldOut.length,
    recall: recall / n,
    ndcg: ndcg / n,
    coverage: covered / Math.max(1, train.itemIds.length),
    popularityBias: popularity / n,
  };
}
