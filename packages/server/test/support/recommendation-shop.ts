/**
 * The small shop the recommendation tests share, sent through collection: u1-u3 ordered a with b;
 * u4-u8 viewed x (u4 and u5 also y); Alice viewed a alone. Popularity: x 5, a 4, b 3, y 2. So a
 * stranger gets x a b y, and Alice, who had a, gets b first (the only item seen with a), then x and
 * y at no affinity, by popularity. Events fall on the day before `SHOP_CLOCK`.
 */
export const SHOP_CLOCK = Date.UTC(2026, 10, 29, 12);

/** A time `minutes` into the day before SHOP_CLOCK. */
export const shopTime = (minutes: number): string =>
  new Date(SHOP_CLOCK - 86_400_000 + minutes * 60_000).toISOString();

export const viewed = (userId: string, product: string, minute: number, extra = {}) => ({
  type: 'track',
  event: 'Product Viewed',
  userId,
  properties: { product_id: product },
  timestamp: shopTime(minute),
  ...extra,
});

export const ordered = (userId: string, products: string[], minute: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  properties: { products: products.map((product_id) => ({ product_id, price: 10 })) },
  timestamp: shopTime(minute),
});

export const SHOP_EVENTS = [
  ordered('u1', ['a', 'b'], 1),
  ordered('u2', ['a', 'b'], 2),
  ordered('u3', ['a', 'b'], 3),
  viewed('u4', 'x', 4),
  viewed('u4', 'y', 5),
  viewed('u5', 'x', 6),
  viewed('u5', 'y', 7),
  viewed('u6', 'x', 8),
  viewed('u7', 'x', 9),
  viewed('u8', 'x', 10),
  viewed('alice', 'a', 11),
];
