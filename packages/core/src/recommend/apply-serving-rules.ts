import type { RankedItem } from './recommend.schema.js';

/** What serving knows of each item of a model from the catalogue, by the model's item index. */
export interface ItemFacts {
  /** 1 where the catalogue marks the item unavailable. */
  unavailable: Uint8Array;
  /** The item's catalogue category by number (items of a category share one), -1 for none. */
  category: Int32Array;
  /** The item's boost factor (the product of the boosts it matches, 1 for none). */
  boost?: Float64Array;
}

export interface ServingRules {
  availableOnly?: boolean | undefined;
  maxPerCategory?: number | undefined;
}

/**
 * The first `k` of `ranked` (best first) that pass the rules: unavailable items left out (unless
 * `availableOnly` is false), and no more than `maxPerCategory` items of one category, later ones
 * of a full category skipped in favour of the next best. The order of those kept is unchanged.
 */
export function applyServingRules(
  ranked: readonly RankedItem[],
  facts: ItemFacts,
  rules: ServingRules,
  k: number,
): RankedItem[] {
  const availableOnly = rules.availableOnly ?? true;
  const cap = rules.maxPerCategory;
  const perCategory = new Map<number, number>();
  const kept: RankedItem[] = [];
  for (const candidate of ranked) {
    if (kept.length === k) break;
    if (availableOnly && facts.unavailable[candidate.item] === 1) continue;
    const category = facts.category[candidate.item];
    if (cap !== undefined && category !== undefined && category >= 0) {
      const seen = perCategory.get(category) ?? 0;
      if (seen >= cap) continue;
      perCategory.set(category, seen + 1);
    }
    kept.push(candidate);
  }
  return kept;
}
