import type { PlacementBody } from '@tailor/core';
import type { Tailor } from '../open-tailor.js';
import { defineDemoJourney, trainDemoModels } from './demo-models.js';
import { generateDemoMessages } from './generate-demo-messages.js';

/** Computed traits and segments the demo defines, so profiles show them from the first start. */
const DEMO_DEFINITIONS = [
  ['computed', 'orders_30d', 'count("Order Completed", 30d)'],
  ['computed', 'revenue_total', 'sum("Order Completed".revenue)'],
  ['computed', 'favourite_product', 'most_frequent("Product Viewed".sku, 30d)'],
  ['computed', 'lifetime_value', 'clv("Order Completed".revenue, 52w)'],
  ['segment', 'repeat buyers', 'computed.orders_30d >= 2'],
  ['segment', 'big spenders', 'computed.revenue_total > 300'],
  ['segment', 'cart abandoners', '"Product Added" then not "Order Completed" within 1h'],
] as const;

/**
 * A placement the dashboard can preview from the first start: a thank-you for repeat buyers, an
 * offer for people who left a cart, a welcome for everyone else.
 */
const DEMO_PLACEMENT: PlacementBody = {
  description: 'The banner at the top of the home page (demo).',
  items: [
    {
      id: 'thanks-regular',
      when: 'in_segment("repeat buyers")',
      priority: 2,
      template: '<p>Thanks for coming back, {{ traits.firstName | default: "friend" }}!</p>',
    },
    {
      id: 'cart-reminder',
      when: 'in_segment("cart abandoners")',
      priority: 1,
      template: '<p>Your cart is waiting: free delivery today.</p>',
    },
  ],
  default: { id: 'welcome', template: '<p>Welcome to the demo shop</p>' },
};

/**
 * Loads the demo shop into an empty log, through the same collection path as real traffic, folds
 * it, and trains a model, a recommender and a clustering over it (`problems`: what could not be).
 */
export async function loadDemo(tailor: Tailor): Promise<{ loaded: number; problems?: string[] }> {
  if ((await tailor.log.stats()).events > 0) return { loaded: 0 };
  const at = new Date(tailor.now());
  for (const [kind, name, definition] of DEMO_DEFINITIONS) {
    if ((await tailor.definitions.get(kind, name)) === undefined)
      await tailor.definitions.put(kind, name, definition, at);
  }
  if ((await tailor.placements.get('home-hero')) === undefined) {
    // The names a rule may use, as the placements API checks them (build-services.ts).
    const known = {
      segments: tailor.definitions.segmentNames,
      computed: new Set(tailor.definitions.compiled?.computed.map((c) => c.name) ?? []),
    };
    await tailor.placements.put('home-hero', DEMO_PLACEMENT, known, at);
    await tailor.changed('placements'); // as the placements API does after a put
  }
  await defineDemoJourney(tailor);
  const messages = generateDemoMessages({ people: 400, days: 45, now: tailor.now() });
  let loaded = 0;
  for (let i = 0; i < messages.length; i += 500) {
    const outcome = await tailor.collector.collect({
      messages: messages.slice(i, i + 500),
      source: 'import:demo',
    });
    loaded += outcome.stored;
  }
  // Folded here, before the background starts, so what is trained next reads the profiles.
  await tailor.pipeline.catchUp();
  return { loaded, problems: await trainDemoModels(tailor) };
}
