/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { RankedItem } from './recommend.schema.js';

/**
 * The `k` best items by `scores` (higher first; equal scores by `popularity`, then by the lower
 * index), leaving out the items in `exclude` and those scored -Infinity or NaN. Deterministic.
 * With `candidates`, only those items are considered (a scan of them, not of every item).
 */
export function rankItems(
  scores: Float64Array,
  popularity: Float64Array,
  exclude: ArrayLike<number>,
  k: number,
  candidates?: Int32Array,
): RankedItem[] {
  const excluded = new Set<number>();
  for (let e = 0; e < exclude.length; e++) excluded.add(exclude[e]!);
  const better = (a: number, b: number): boolean => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) return sa > sb;
    const pa = popularity[a]!;
    const pb = popularity[b]!;
    return pa !== pb ? pa > pb : a < b;
  };
  // A sorted list of at most k, scanned once: k is small next to the catalogue.
  const top: number[] = [];
  const count = candidates === undefined ? scores.length : candidates.length;
  for (let c = 0; c < count; c++) {
    const item = candidates === undefined ? c : candidates[c]!;
    const s = scores[item]!;
    if (!(s > -Infinity) || excluded.has(item)) continue;
    if (top.length === k && !better(item, top[k - 1]!)) continue;
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && better(item, top[at - 1]!)) {
      top[at] = top[at - 1]!;
      at--;
    }
    top[at] = item;
  }
  return top.slice(0, k).map((item) => ({ item, score: scores[item]! }));
}
