import type { ClusteringBody, ModelBody, RecommenderBody } from '@tailor/core';
import type { JourneyBody } from '../journeys/journey.schema.js';
import type { Tailor } from '../open-tailor.js';

/**
 * What the demo defines beyond segments and a placement, so the dashboard's other pages open on
 * something: a journey for people who add to their cart, and, trained once the demo's events are
 * folded, a propensity model, a recommender and a clustering of shoppers.
 */
const DEMO_JOURNEY: JourneyBody = {
  entry: { event: 'Product Added' },
  steps: [
    { wait: '1h' },
    {
      if: 'computed.orders_30d >= 1',
      then: [{ email: { subject: 'Thanks for your order', html: '<p>Thank you!</p>' } }],
      else: [{ email: { subject: 'Your cart is waiting', html: '<p>Free delivery today.</p>' } }],
    },
  ],
};
const DEMO_MODEL: ModelBody = {
  type: 'propensity',
  label: { event: 'Order Completed', days: 14 },
  description: 'Who orders within 14 days (demo)',
};
const DEMO_RECOMMENDER: RecommenderBody = {
  method: 'item-knn',
  description: 'Viewed, added or bought together (demo)',
};
const DEMO_CLUSTERING: ClusteringBody = {
  features: ['computed.revenue_total', 'computed.orders_30d', 'traits.plan'],
  k: 3,
  scale: 'log-standard',
  unit: 'shoppers',
  description: 'Shoppers by spend, recent orders and plan (demo)',
};

/** The journey, before the demo's events are loaded so its shoppers enter it. */
export async function defineDemoJourney(tailor: Tailor): Promise<void> {
  await tailor.journeys.runner.put('cart-reminder', DEMO_JOURNEY);
}

/**
 * Defines and trains the model, the recommender and the clustering over the folded demo data.
 * What fails is said, not thrown: the demo serves with or without them.
 */
export async function trainDemoModels(tailor: Tailor): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  await attempt('model orders-14d', async () => {
    await tailor.models.put('orders-14d', DEMO_MODEL);
    await tailor.models.train('orders-14d');
  });
  await attempt('recommender shop', async () => {
    await tailor.recommenders.put('shop', DEMO_RECOMMENDER, new Date(tailor.now()));
    await tailor.recommenders.train('shop');
  });
  await attempt('clustering shoppers', async () => {
    await tailor.clusterings.put('shoppers', DEMO_CLUSTERING);
    await tailor.clusterings.train('shoppers');
  });
  return problems;
}
