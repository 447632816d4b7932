import {
  mergeCatalogItem,
  TailorError,
  type CatalogItem,
  type CatalogItemInput,
} from '@tailor/core';
import type { CatalogStore } from '../store/catalog-store.js';

/** At most this many items per page of `GET /v1/catalog/items`. */
export const MAX_CATALOG_PAGE = 1000;

/**
 * The item catalogue (docs/recommendations.md, "Catalog"): items given by the catalog API, which
 * replace an item as a whole, and facts learnt from e-commerce events, which only fill what is
 * not known and never change an item the API gave.
 */
export class CatalogService {
  constructor(
    private readonly store: CatalogStore,
    private readonly now: () => number,
    /** Told of the items the catalog API stored (serving applies their availability at once). */
    private readonly changed: (items: readonly CatalogItem[]) => void = () => undefined,
  ) {}

  /** Stores the items given (all or none); an id given twice in one request is refused. */
  async put(items: readonly CatalogItemInput[]): Promise<{ stored: number }> {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id))
        throw new TailorError('invalid_request', `item ${index}: id "${item.id}" given twice`);
      seen.add(item.id);
    });
    const at = new Date(this.now()).toISOString();
    const merged = items.flatMap((item) => mergeCatalogItem(undefined, item, 'api', at) ?? []);
    await this.store.putMany(merged);
    this.changed(merged);
    return { stored: merged.length };
  }

  /** Learns from the products events named: new items, and fields not known yet. */
  async learn(facts: readonly CatalogItemInput[]): Promise<number> {
    if (facts.length === 0) return 0;
    const latest = new Map<string, CatalogItemInput>();
    for (const fact of facts) latest.set(fact.id, { ...latest.get(fact.id), ...fact });
    const existing = await this.store.getMany([...latest.keys()]);
    const at = new Date(this.now()).toISOString();
    const changed = [...latest.values()].flatMap(
      (fact) => mergeCatalogItem(existing.get(fact.id), fact, 'events', at) ?? [],
    );
    await this.store.putMany(changed);
    return changed.length;
  }

  async get(id: string): Promise<CatalogItem> {
    const item = (await this.store.getMany([id])).get(id);
    if (item === undefined) throw new TailorError('not_found', `no catalog item "${id}"`);
    return item;
  }

  /** A page of items in byte order of id; `next` is the cursor for the following page. */
  async list(options: {
    after?: string | undefined;
    limit?: number | undefined;
  }): Promise<{ items: CatalogItem[]; total: number; next: string | null }> {
    const limit = options.limit ?? 100;
    const items = await this.store.list({
      ...(options.after !== undefined && { after: options.after }),
      limit: limit + 1,
    });
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    return {
      items: page,
      total: await this.store.count(),
      next: more ? (page[page.length - 1]?.id ?? null) : null,
    };
  }
}
