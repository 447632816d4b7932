/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { rankItems } from './rank-items.js';
import type { InteractionMatrix, Recommender } from './recommend.schema.js';

/** How deep each part's ranking is read, and reciprocal rank fusion's constant (Cormack et al. 2009). */
export const BLEND_DEPTH = 200;
export const RRF_K = 60;

/** One recommender of a blend, and how much its ranks count. */
export interface BlendPart {
  recommender: Recommender;
  weight: number;
}

/**
 * A mixed list (docs/recommendations.md, "Mixed lists"): each part ranks the items for the person
 * (what they had left out), and an item's score is Σ weight / (RRF_K + rank) over the parts
 * that rank it in their first BLEND_DEPTH with a score above 0 (weighted reciprocal rank fusion:
 * ranks, not scores, so parts whose scores are on other scales, EASE's weights and content's
 * cosines, mix without calibration). A part with nothing to say of an item (0, as item-kNN for
 * an item no neighbour reaches) gives it nothing. The popular items follow at 0, so a list is
 * never short for want of opinions. A person no part knows gets `popularity`.
 */
export function blendRecommender(
  matrix: InteractionMatrix,
  popularity: Float64Array,
  parts: readonly BlendPart[],
): Recommender {
  const scratch = parts.map(() => new Float64Array(matrix.itemIds.length));
  const popular = rankItems(popularity, popularity, [], BLEND_DEPTH).map((r) => r.item);
  return {
    method: 'blend',
    popularity,
    score(user, into, recent = []) {
      const had: number[] = Array.from(recent);
      if (user >= 0)
        for (let p = matrix.userStart[user]!; p < matrix.userStart[user + 1]!; p++)
          had.push(matrix.items[p]!);
      if (had.length === 0) {
        into.set(popularity);
        return undefined;
      }
      const fused = new Map<number, number>();
      parts.forEach(({ recommender, weight }, p) => {
        const scores = scratch[p]!;
        const candidates = recommender.score(user, scores, recent);
        const ranked = rankItems(scores, popularity, had, BLEND_DEPTH, candidates);
        ranked.forEach(({ item, score }, rank) => {
          if (score > 0) fused.set(item, (fused.get(item) ?? 0) + weight / (RRF_K + rank + 1));
        });
      });
      for (const item of popular) if (!fused.has(item)) fused.set(item, 0);
      const candidates = new Int32Array(fused.size);
      let c = 0;
      for (const [item, score] of fused) {
        into[item] = score;
        candidates[c++] = item;
      }
      return candidates;
    },
  };
}
