import type { CatalogItem } from '@tailor/core';

/**
 * The item catalogue recommenders serve from (docs/recommendations.md, "Catalog"): items by id,
 * in state.sqlite or PostgreSQL. Items hold no personal data.
 */
export interface CatalogStore {
  /** The stored items among `ids` (missing ones are absent from the map). */
  getMany(ids: readonly string[]): Promise<Map<string, CatalogItem>>;
  /** Writes items as given, replacing those of the same id, in one transaction. */
  putMany(items: readonly CatalogItem[]): Promise<void>;
  /** Items in byte order of id, after `after` (exclusive). */
  list(options: { after?: string; limit: number }): Promise<CatalogItem[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}
