import type { AttributionResult } from '@tailor/core';

/** One touchpoint key with each model's share of the credit (0 where a model gives it none). */
export interface ShareRow {
  key: string;
  shares: Record<string, number>;
}

/** A column of the shares table: the key, or a model's share. */
export interface ShareSort {
  column: string;
  descending: boolean;
}

export const KEY_COLUMN = 'key';

/** The answer's shares turned into a row per key, over the models asked for in their order. */
export function shareRows(result: AttributionResult, models: readonly string[]): ShareRow[] {
  const keys = new Set<string>();
  for (const model of models) {
    for (const key of Object.keys(result.models[model]?.shares ?? {})) keys.add(key);
  }
  return [...keys].map((key) => ({
    key,
    shares: Object.fromEntries(
      models.map((model) => [model, result.models[model]?.shares[key] ?? 0]),
    ),
  }));
}

/** Rows sorted by a column; ties (and the key column) by key, so the order is stable. */
export function sortShareRows(rows: readonly ShareRow[], sort: ShareSort): ShareRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (sort.column !== KEY_COLUMN) {
      const difference = (a.shares[sort.column] ?? 0) - (b.shares[sort.column] ?? 0);
      if (difference !== 0) return sign * difference;
      return a.key.localeCompare(b.key);
    }
    return sign * a.key.localeCompare(b.key);
  });
}

/** A click on a column's heading: the same column flips its order, another starts descending (keys ascending). */
export function nextSort(current: ShareSort, column: string): ShareSort {
  if (current.column === column) return { column, descending: !current.descending };
  return { column, descending: column !== KEY_COLUMN };
}
