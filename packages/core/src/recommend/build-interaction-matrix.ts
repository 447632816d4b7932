/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { Interaction, InteractionMatrix } from './recommend.schema.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The distinct (user, item) pairs of `interactions` as a user-by-item matrix, each pair with its
 * latest time. Ids are numbered in plain string order, so the matrix does not depend on the
 * order of the rows. A time that is not a finite number counts as unknown. `alsoItems` are items
 * nobody had yet (a catalogue's new items), numbered with the others, for methods that can
 * recommend them (content).
 */
export function buildInteractionMatrix(
  interactions: Iterable<Interaction>,
  alsoItems: Iterable<string> = [],
): InteractionMatrix<readonly string[]> {
  const pairs = new Map<string, Map<string, number>>();
  const itemSet = new Set<string>();
  let now = -Infinity;
  for (const { user, item, time } of interactions) {
    let items = pairs.get(user);
    if (items === undefined) pairs.set(user, (items = new Map<string, number>()));
    const t = time !== undefined && Number.isFinite(time) ? time : NaN;
    const previous = items.get(item);
    if (previous === undefined || t > previous || Number.isNaN(previous)) items.set(item, t);
    itemSet.add(item);
    if (t > now) now = t;
  }
  for (const item of alsoItems) itemSet.add(item);
  const userIds = [...pairs.keys()].sort(byString);
  const itemIds = [...itemSet].sort(byString);
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const userStart = new Int32Array(userIds.length + 1);
  let total = 0;
  for (const [u, id] of userIds.entries()) {
    total += pairs.get(id)!.size;
    userStart[u + 1] = total;
  }
  const items = new Int32Array(total);
  const lastTime = new Float64Array(total);
  for (const [u, id] of userIds.entries()) {
    const row = [...pairs.get(id)!].map(([item, t]) => [itemIndex.get(item)!, t] as const);
    row.sort((a, b) => a[0] - b[0]);
    let at = userStart[u]!;
    for (const [item, t] of row) {
      items[at] = item;
      lastTime[at++] = t;
    }
  }
  return { userIds, itemIds, userStart, items, lastTime, now: now === -Infinity ? NaN : now };
}

/**
 * The weight of each (user, item) pair: 2^(-age / half-life), its age counted from the matrix's
 * `now` in days. Every weight is 1 when the matrix has no times or the half-life is Infinity.
 */
export function decayWeights(matrix: InteractionMatrix, halfLifeDays: number): Float64Array {
  const weights = new Float64Array(matrix.items.length).fill(1);
  if (Number.isNaN(matrix.now) || !Number.isFinite(halfLifeDays)) return weights;
  const rate = Math.LN2 / (halfLifeDays * 86_400_000);
  for (let p = 0; p < weights.length; p++) {
    const t = matrix.lastTime[p]!;
    if (!Number.isNaN(t)) weights[p] = Math.exp(-rate * (matrix.now - t));
  }
  return weights;
}

/** How many users had each item. */
export function itemCounts(matrix: InteractionMatrix): Int32Array {
  const counts = new Int32Array(matrix.itemIds.length);
  for (const item of matrix.items) counts[item]!++;
  return counts;
}
