/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { err, ok, type Result } from '../result/result.js';
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
  train: InteractionMatrix;
  heldOut: HeldOutUser[];
  testInteractions: number;
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
  let testInteractions = 0;
  for (const interaction of interactions) {
    const { time } = interaction;
    if (time === undefined || !Number.isFinite(time))
      return err(`every interaction needs a time to split (user ${interaction.user})`);
    if (time < split) train.push(interaction);
    else {
      testInteractions++;
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
  return ok({ train: matrix, heldOut, testInteractions });
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
