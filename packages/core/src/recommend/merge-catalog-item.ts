import type { CatalogItem, CatalogItemInput } from './catalog-item.schema.js';

/**
 * An item after new facts about it. From the catalog API (`api`) the given item replaces the old
 * one as a whole (available unless it says not). From events, facts only fill what is not known
 * yet, and never change an item the catalog API gave: the API is the catalogue's authority, events
 * a fallback for shops without a feed. Undefined when nothing changes.
 */
export function mergeCatalogItem(
  existing: CatalogItem | undefined,
  incoming: CatalogItemInput,
  source: 'api' | 'events',
  now: string,
): CatalogItem | undefined {
  if (source === 'api') {
    return { ...incoming, available: incoming.available ?? true, source: 'api', updatedAt: now };
  }
  if (existing === undefined) {
    return { ...incoming, available: true, source: 'events', updatedAt: now };
  }
  if (existing.source === 'api') return undefined;
  const merged: CatalogItem = { ...existing };
  let changed = false;
  for (const key of ['sku', 'name', 'category', 'brand', 'price'] as const) {
    if (merged[key] === undefined && incoming[key] !== undefined) {
      Object.assign(merged, { [key]: incoming[key] });
      changed = true;
    }
  }
  return changed ? { ...merged, updatedAt: now } : undefined;
}
