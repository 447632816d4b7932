/**
 * The items an e-commerce event is about (Segment's e-commerce spec): each `product_id` of
 * `properties.products[]` (Order Completed, Cart Viewed), else `properties.product_id` (Product
 * Viewed, Product Added). Ids are strings or finite numbers, written as strings; others are
 * skipped. Distinct, in the order met.
 */
export function interactionItems(properties: Record<string, unknown> | undefined): string[] {
  if (properties === undefined) return [];
  const products = properties.products;
  if (Array.isArray(products)) {
    const ids = new Set<string>();
    for (const product of products as unknown[]) {
      if (typeof product !== 'object' || product === null) continue;
      const id = itemId((product as Record<string, unknown>).product_id);
      if (id !== undefined) ids.add(id);
    }
    if (ids.size > 0) return [...ids];
  }
  const id = itemId(properties.product_id);
  return id === undefined ? [] : [id];
}

function itemId(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 && value.length <= 256 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
