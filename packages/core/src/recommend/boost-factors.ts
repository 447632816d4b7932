/* eslint-disable @typescript-eslint/no-non-null-assertion -- typed arrays indexed in range */
import type { CatalogItem } from './catalog-item.schema.js';
import type { Boost } from './recommender.schema.js';

/** An item's value of a boost's field: category, brand or one of its attributes. */
function fieldOf(item: CatalogItem, field: string): unknown {
  if (field === 'category') return item.category;
  if (field === 'brand') return item.brand;
  if (field.startsWith('attributes.')) return item.attributes?.[field.slice('attributes.'.length)];
  return undefined;
}

/** The product of the factors of the boosts an item matches (1: none, or not in the catalogue). */
export function boostFactor(item: CatalogItem | undefined, boosts: readonly Boost[]): number {
  let factor = 1;
  if (item === undefined) return factor;
  for (const boost of boosts)
    if (fieldOf(item, boost.field) === boost.value) factor *= boost.factor;
  return factor;
}

/**
 * Applies each item's boost factor to its score, so that a factor above 1 always moves an item
 * up and one below 1 down: a positive score is multiplied, a negative one divided (EASE's scores
 * can be negative); 0 and -Infinity (nothing to say, cannot be recommended) stay as they are.
 */
export function applyBoosts(
  scores: Float64Array,
  factors: Float64Array,
  candidates?: Int32Array,
): void {
  const count = candidates === undefined ? scores.length : candidates.length;
  for (let c = 0; c < count; c++) {
    const i = candidates === undefined ? c : candidates[c]!;
    const f = factors[i]!;
    if (f === 1) continue;
    const s = scores[i]!;
    if (s > 0) scores[i] = s * f;
    else if (s < 0 && s > -Infinity) scores[i] = s / f;
  }
}
