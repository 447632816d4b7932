/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { Interaction, InteractionMatrix } from './recommend.schema.js';

/**
 * The baskets (orders) of `interactions` as a basket-by-item matrix over the items `itemIds`
 * (a model's catalogue, so item indexes are the model's): one row per basket, its distinct items
 * ascending. Interactions without a basket, and items not in `itemIds`, are left out. Baskets are
 * numbered in plain string order of their ids, so the matrix does not depend on the row order.
 * The rows carry no times (`lastTime` NaN): an order is one moment.
 */
export function buildBasketMatrix(
  interactions: Iterable<Interaction>,
  itemIds: readonly string[],
): InteractionMatrix<readonly string[]> {
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const baskets = new Map<string, Set<number>>();
  for (const { basket, item } of interactions) {
    if (basket === undefined) continue;
    const index = itemIndex.get(item);
    if (index === undefined) continue;
    let items = baskets.get(basket);
    if (items === undefined) baskets.set(basket, (items = new Set()));
    items.add(index);
  }
  const basketIds = [...baskets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const userStart = new Int32Array(basketIds.length + 1);
  basketIds.forEach((id, b) => (userStart[b + 1] = userStart[b]! + baskets.get(id)!.size));
  const items = new Int32Array(userStart[basketIds.length]!);
  basketIds.forEach((id, b) => {
    items.set(
      [...baskets.get(id)!].sort((x, y) => x - y),
      userStart[b],
    );
  });
  return {
    userIds: basketIds,
    itemIds,
    userStart,
    items,
    lastTime: new Float64Array(items.length).fill(NaN),
    now: NaN,
  };
}
