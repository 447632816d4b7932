import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDemoMessages } from '../src/demo/generate-demo-messages.js';
import { loadDemo } from '../src/demo/load-demo.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
let t: TestTailor;
beforeEach(async () => {
  t = await startTestTailor({}, () => NOW);
});
afterEach(async () => {
  await t.close();
});

describe('demo data', () => {
  it('is the same for the same seed, different for another', () => {
    const a = generateDemoMessages({ people: 20, days: 10, now: NOW });
    expect(generateDemoMessages({ people: 20, days: 10, now: NOW })).toEqual(a);
    expect(generateDemoMessages({ people: 20, days: 10, now: NOW, seed: 8 })).not.toEqual(a);
  });

  it('loads every message through collection into an empty log, once', async () => {
    const expected = generateDemoMessages({ people: 400, days: 45, now: NOW });
    const { loaded, problems } = await loadDemo(t.tailor);
    expect(loaded).toBe(expected.length);
    // Trained over the folded demo, so the dashboard's models, recommendations and clusters
    // pages open on something.
    expect(problems).toEqual([]);
    const model = (await t.admin('GET', '/v1/models/orders-14d/versions')).json<{
      items: { auc: number }[];
    }>();
    expect(model.items).toHaveLength(1);
    const clusters = (await t.admin('GET', '/v1/clusterings/shoppers/clusters')).json<{
      clusters: { size: number }[];
    }>();
    expect(clusters.clusters).toHaveLength(3);
    expect((await t.admin('GET', '/v1/recommenders/shop')).json()).toMatchObject({
      model: { items: 6 },
    });
    expect(await loadDemo(t.tailor)).toEqual({ loaded: 0 });
    // The demo's segments fill as the pipeline folds the events.
    await t.tailor.pipeline.catchUp();
    expect((await t.tailor.profiles.members('repeat buyers', '', 1)).count).toBeGreaterThan(0);
    // A placement for the dashboard's preview: a repeat buyer is thanked.
    const [buyer] = (await t.tailor.profiles.members('repeat buyers', '', 1)).profiles;
    const preview = await t.admin('POST', '/v1/placements/home-hero/preview', {
      profileId: buyer,
    });
    expect(preview.json()).toMatchObject({ itemId: 'thanks-regular', fallback: false });
    // Shoppers who added to their cart entered the journey.
    await t.tailor.journeys.work();
    const stats = (await t.admin('GET', '/v1/journeys/cart-reminder/stats')).json<{
      steps: Record<string, { entered: number }>;
    }>();
    expect(stats.steps['0']?.entered).toBeGreaterThan(0);

    const types = new Set(expected.map((m) => m.type));
    expect([...types].sort()).toEqual(['group', 'identify', 'page', 'track']);
    const firstIdentify = expected.find((m) => m.type === 'identify') as { userId: string };
    const events = (
      await t.tailor.log.scanByIdentifier({
        kind: 'userId',
        value: firstIdentify.userId,
        after: 0,
        limit: 100,
      })
    ).events;
    const identify = events.find((e) => e.message.type === 'identify')?.message;
    expect(identify?.traits?.email).toMatch(/^[a-z]+\.[a-z]+\d+@example\.com$/);
    expect(identify?.traits?.phone).toMatch(/^\+\d{8,15}$/);
    expect(identify?.tailor.source).toBe('import:demo');
  });
});
