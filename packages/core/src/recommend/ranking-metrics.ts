/**
 * Ranking metrics for one user's list. `relevant` are the held-out items the list can contain;
 * `relevantCount` (≥ relevant.size) counts every held-out item, also those it never could
 * (unknown at training), so they lower the score as they should.
 */

/**
 * Recall@K normalized as in Liang et al. (2018) and Steck (2019): hits in the first K over
 * min(K, relevantCount), so that a perfect list scores 1 even when more than K items were relevant.
 */
export function recallAtK(
  ranked: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  relevantCount: number,
  k: number,
): number {
  if (relevantCount === 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++)
    if (relevant.has(ranked[r] as number)) hits++;
  return hits / Math.min(k, relevantCount);
}

/**
 * NDCG@K with binary gains: Σ 1/log2(rank + 1) over the hits in the first K (ranks from 1),
 * over the same sum for an ideal list of min(K, relevantCount) hits.
 */
export function ndcgAtK(
  ranked: ArrayLike<number>,
  relevant: ReadonlySet<number>,
  relevantCount: number,
  k: number,
): number {
  if (relevantCount === 0) return 0;
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++)
    if (relevant.has(ranked[r] as number)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevantCount); r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}
