/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import { decayWeights } from './build-interaction-matrix.js';
import type { InteractionMatrix } from './recommend.schema.js';

/** A segment's most popular items (indexes of the matrix), best first, with their popularity. */
export interface PopularInSegment {
  items: Int32Array;
  scores: Float64Array;
}

/** The items kept per segment unless told: more than a list asks, with room for the rules. */
export const SEGMENT_POPULAR_ITEMS = 500;

/**
 * The fewest members with items a segment needs for its popular items to be served: a list
 * drawn from one or two people would show others what those people had.
 */
export const MIN_SEGMENT_MEMBERS = 5;

/**
 * Time-decayed popularity within each segment: an item's score is the sum of the decayed
 * weights (as `itemPopularity`) of the segment's members who had it; `segmentsOf(row)` are the
 * segments of a matrix row's person when training. Keeps the `keep` best of each segment (equal
 * scores by the lower index), for segments with at least `minMembers` members in the matrix.
 */
export function segmentPopularity(
  matrix: InteractionMatrix,
  segmentsOf: (row: number) => readonly string[] | undefined,
  halfLifeDays: number,
  keep = SEGMENT_POPULAR_ITEMS,
  minMembers = MIN_SEGMENT_MEMBERS,
): Map<string, PopularInSegment> {
  const weights = decayWeights(matrix, halfLifeDays);
  const sums = new Map<string, Float64Array>();
  const members = new Map<string, number>();
  for (let u = 0; u + 1 < matrix.userStart.length; u++) {
    const segments = segmentsOf(u);
    if (segments === undefined) continue;
    for (const segment of segments) {
      members.set(segment, (members.get(segment) ?? 0) + 1);
      let sum = sums.get(segment);
      if (sum === undefined) sums.set(segment, (sum = new Float64Array(matrix.itemIds.length)));
      for (let p = matrix.userStart[u]!; p < matrix.userStart[u + 1]!; p++)
        sum[matrix.items[p]!]! += weights[p]!;
    }
  }
  const popular = new Map<string, PopularInSegment>();
  for (const [segment, sum] of sums) {
    if ((members.get(segment) ?? 0) < minMembers) continue;
    const had: number[] = [];
    for (let i = 0; i < sum.length; i++) if (sum[i]! > 0) had.push(i);
    had.sort((a, b) => sum[b]! - sum[a]! || a - b);
    const items = Int32Array.from(had.slice(0, keep));
    popular.set(segment, { items, scores: Float64Array.from(items, (i) => sum[i]!) });
  }
  return popular;
}

/**
 * Scores for a person the model knows nothing of, from their segments: each item's popularity
 * summed over the segments they are in (0 for an item none of them had; ties then go by overall
 * popularity when ranked). False, leaving `into` as it was, when none of the segments has any.
 */
export function scoreBySegments(
  popular: ReadonlyMap<string, PopularInSegment>,
  segments: readonly string[],
  into: Float64Array,
): boolean {
  const found = segments.flatMap((s) => popular.get(s) ?? []);
  if (found.length === 0) return false;
  into.fill(0);
  for (const { items, scores } of found)
    for (let p = 0; p < items.length; p++) into[items[p]!]! += scores[p]!;
  return true;
}
