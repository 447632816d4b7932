/**
 * Generated demo data: a small online shop's visitors over the last weeks. Seeded, so every start
 * makes the same people and the same events (their messageIds are stable, loading twice stores
 * nothing twice). Covers every message type the collection API takes.
 */

const FIRST = [
  'Ada',
  'Ben',
  'Chloé',
  'Dmitri',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
  'Mateo',
  'Nora',
  'Omar',
  'Priya',
];
const LAST = [
  'Okafor',
  'Schmidt',
  'Rossi',
  'Tanaka',
  'Dubois',
  'Novak',
  'Silva',
  'Larsen',
  'Haddad',
  'Kim',
  'Moreau',
  'Patel',
];
const COUNTRIES = [
  'Germany',
  'France',
  'United Kingdom',
  'USA',
  'Italy',
  'Japan',
  'Brazil',
  'India',
];
const PHONE_PREFIX: Record<string, string> = {
  Germany: '+49 30 ',
  France: '+33 1 ',
  'United Kingdom': '+44 20 ',
  USA: '(415) ',
  Italy: '+39 06 ',
  Japan: '+81 3 ',
  Brazil: '+55 11 ',
  India: '+91 22 ',
};
const PRODUCTS = [
  { sku: 'SHOE-RUN-01', name: 'Trail runner', category: 'shoes', price: 129 },
  { sku: 'SHOE-CITY-02', name: 'City sneaker', category: 'shoes', price: 89 },
  { sku: 'JACKET-RAIN-01', name: 'Rain shell', category: 'outerwear', price: 179 },
  { sku: 'SOCK-MERINO-3', name: 'Merino socks (3 pairs)', category: 'accessories', price: 29 },
  { sku: 'BAG-DAY-20', name: 'Day pack 20 L', category: 'bags', price: 99 },
  { sku: 'CAP-SUN-01', name: 'Sun cap', category: 'accessories', price: 25 },
];
const PAGES = ['/', '/shoes', '/outerwear', '/sale', '/blog/how-to-choose-running-shoes'];
const CAMPAIGNS = [
  undefined,
  { source: 'newsletter', medium: 'email', name: 'autumn' },
  { source: 'google', medium: 'cpc', name: 'brand' },
];

/** mulberry32: a small, fast, seeded PRNG; plenty for demo data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export interface DemoOptions {
  people: number;
  days: number;
  now: number;
  seed?: number;
}

export function generateDemoMessages({
  people,
  days,
  now,
  seed = 7,
}: DemoOptions): Record<string, unknown>[] {
  const rand = random(seed);
  const messages: Record<string, unknown>[] = [];
  let n = 0;
  const id = (): string => `demo-${seed}-${n++}`;
  for (let p = 0; p < people; p++) {
    const anonymousId = `anon-${seed}-${p}`;
    const first = pick(rand, FIRST);
    const last = pick(rand, LAST);
    const country = pick(rand, COUNTRIES);
    const known = rand() < 0.6;
    const userId = known ? `user-${1000 + p}` : undefined;
    const sessions = 1 + Math.floor(rand() * 5);
    for (let s = 0; s < sessions; s++) {
      let t = now - Math.floor(rand() * days * 86_400_000);
      const step = (): string =>
        new Date((t += 15_000 + Math.floor(rand() * 90_000))).toISOString();
      const campaign = pick(rand, CAMPAIGNS);
      const context = {
        page: { path: pick(rand, PAGES) },
        locale: 'en-US',
        ...(campaign && { campaign }),
      };
      const who = { anonymousId, ...(userId !== undefined && s > 0 && { userId }) };
      messages.push({
        type: 'page',
        messageId: id(),
        ...who,
        name: 'Home',
        timestamp: step(),
        context,
      });
      if (userId !== undefined && s === 0) {
        messages.push({
          type: 'identify',
          messageId: id(),
          anonymousId,
          userId,
          timestamp: step(),
          traits: {
            firstName: first,
            lastName: last,
            email: ` ${first}.${last}${p}@Example.com `,
            phone: `${PHONE_PREFIX[country] ?? ''}555 ${String(1000 + p).padStart(4, '0')}`,
            address: { country },
            plan: rand() < 0.2 ? 'plus' : 'free',
          },
        });
      }
      const viewed = 1 + Math.floor(rand() * 4);
      const cart: (typeof PRODUCTS)[number][] = [];
      for (let v = 0; v < viewed; v++) {
        const product = pick(rand, PRODUCTS);
        messages.push({
          type: 'track',
          messageId: id(),
          ...who,
          event: 'Product Viewed',
          timestamp: step(),
          properties: { product_id: product.sku, ...product },
        });
        if (rand() < 0.35) {
          cart.push(product);
          messages.push({
            type: 'track',
            messageId: id(),
            ...who,
            event: 'Product Added',
            timestamp: step(),
            properties: { product_id: product.sku, ...product, quantity: 1 },
          });
        }
      }
      if (cart.length > 0 && rand() < 0.55) {
        const revenue = cart.reduce((sum, c) => sum + c.price, 0);
        messages.push({
          type: 'track',
          messageId: id(),
          ...who,
          event: 'Order Completed',
          timestamp: step(),
          properties: {
            orderId: `ord-${seed}-${p}-${s}`,
            revenue,
            currency: 'EUR',
            products: cart.map((c) => ({ product_id: c.sku, sku: c.sku, price: c.price })),
          },
        });
      }
    }
    if (known && rand() < 0.15) {
      messages.push({
        type: 'group',
        messageId: id(),
        userId,
        groupId: `acct-${p % 12}`,
        traits: { name: `${last} & Co`, industry: 'retail' },
      });
    }
  }
  return messages;
}
