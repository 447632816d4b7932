import type { CatalogItemInput } from './catalog-item.schema.js';

/** The e-commerce events whose products the catalogue learns from. */
export const CATALOG_EVENTS: ReadonlySet<string> = new Set([
  'Product Viewed',
  'Product Added',
  'Product Clicked',
  'Product Removed',
  'Order Completed',
  'Checkout Started',
  'Cart Viewed',
]);

/**
 * What an e-commerce event (Segment's spec) says about the products it names: each object of
 * `properties.products[]`, else `properties` itself (Product Viewed, Product Added), read for
 * product_id, sku, name, category, brand and price. Fields of the wrong type or size are left out,
 * never guessed; a product without a usable product_id is skipped. The last mention of an id wins.
 */
export function catalogFacts(
  event: string | undefined,
  properties: Record<string, unknown> | undefined,
): CatalogItemInput[] {
  if (event === undefined || !CATALOG_EVENTS.has(event) || properties === undefined) return [];
  const products = Array.isArray(properties.products)
    ? (properties.products as unknown[])
    : [properties];
  const found = new Map<string, CatalogItemInput>();
  for (const product of products) {
    if (typeof product !== 'object' || product === null) continue;
    const fields = product as Record<string, unknown>;
    const id = idOf(fields.product_id);
    if (id === undefined) continue;
    const item: CatalogItemInput = { id };
    const sku = textOf(fields.sku, 256);
    if (sku !== undefined) item.sku = sku;
    const name = textOf(fields.name, 1000);
    if (name !== undefined) item.name = name;
    const category = textOf(fields.category, 500);
    if (category !== undefined) item.category = category;
    const brand = textOf(fields.brand, 500);
    if (brand !== undefined) item.brand = brand;
    const price = fields.price;
    if (typeof price === 'number' && Number.isFinite(price) && price >= 0 && price <= 1e12) {
      item.price = price;
    }
    found.set(id, item);
  }
  return [...found.values()];
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return textOf(value, 256);
}

function textOf(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}
