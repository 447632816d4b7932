import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Recommendations } from '@tailor/core';
import type { TrainedRecommender } from '../src/recommend/recommender-training.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { SHOP_CLOCK, SHOP_EVENTS, viewed } from './support/recommendation-shop.js';

let t: TestTailor;
const clock = SHOP_CLOCK;
afterEach(async () => {
  await t.close();
});

function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

/** recommendations.test.ts's shop: alice (who had a) gets b, x, y; a stranger x, a, b, y. */
const SHOP = [...SHOP_EVENTS, viewed('dave', 'a', 12)];

async function recommend(query: string) {
  const res = await admin('GET', `/v1/recommendations/shop?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Recommendations>();
}
const itemsOf = (r: Recommendations) => r.items.map((i) => i.item);

async function train() {
  const res = await admin('POST', '/v1/recommenders/shop/train');
  expect(res.statusCode, res.body).toBe(200);
}

/** Counts the lists the served model makes (its `score` runs once a list made, never for one kept). */
function countScoring() {
  // The model served now, read from the recommenders' memory: what the kept lists are kept for.
  const models = (t.tailor.recommenders as unknown as { models: Map<string, TrainedRecommender> })
    .models;
  const trained = models.get('shop');
  if (trained === undefined) throw new Error('no model');
  return vi.spyOn(trained.recommender, 'score');
}

describe('lists kept between requests', () => {
  it('serves a repeated request its list again without scoring, and a new input a new list', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(SHOP);
    await admin('PUT', '/v1/recommenders/shop', { method: 'item-knn' });
    await train();
    const score = countScoring();
    const first = await recommend('userId=alice');
    expect(itemsOf(first)).toEqual(['b', 'x', 'y']);
    expect(score).toHaveBeenCalledTimes(1);
    expect(await recommend('userId=alice')).toEqual(first);
    expect(score).toHaveBeenCalledTimes(1);
    // Another k, other request items, another person: each its own list.
    expect(itemsOf(await recommend('userId=alice&k=1'))).toEqual(['b']);
    expect(itemsOf(await recommend('userId=alice&items=y'))).toEqual(['b', 'x']);
    expect(itemsOf(await recommend('userId=nobody'))).toEqual(['x', 'a', 'b', 'y']);
    expect(score).toHaveBeenCalledTimes(4);
    // A stranger and anyone not personal share the popular list.
    expect(itemsOf(await recommend('userId=someone-else'))).toEqual(['x', 'a', 'b', 'y']);
    expect(score).toHaveBeenCalledTimes(4);
  });

  it('makes the list again once the person viewed a product (the follower), and after a training', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(SHOP);
    await admin('PUT', '/v1/recommenders/shop', { method: 'item-knn' });
    await train();
    expect(itemsOf(await recommend('userId=alice'))).toEqual(['b', 'x', 'y']);
    // Alice views y: her kept list is not served once the follower read it.
    await t.collect([viewed('alice', 'y', 50)]);
    await vi.waitFor(
      async () => {
        expect(itemsOf(await recommend('userId=alice'))).toEqual(['b', 'x']);
      },
      { timeout: 5000, interval: 50 },
    );
    // Five people view n: a stranger's kept list changes with the training that learns it.
    expect(itemsOf(await recommend('userId=nobody'))).toEqual(['x', 'a', 'b', 'y']);
    await t.collect(['v1', 'v2', 'v3', 'v4', 'v5', 'v6'].map((u, i) => viewed(u, 'n', 60 + i)));
    await train();
    expect(itemsOf(await recommend('userId=nobody'))[0]).toBe('n');
  });

  it('serves no kept personal list to a person who refused personalization or was erased', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(SHOP);
    await admin('PUT', '/v1/recommenders/shop', { method: 'item-knn' });
    await train();
    const popular = ['x', 'a', 'b', 'y'];
    expect(itemsOf(await recommend('userId=alice'))).toEqual(['b', 'x', 'y']);
    expect(itemsOf(await recommend('userId=dave'))).toEqual(['b', 'x', 'y']);

    await t.collect([
      {
        type: 'identify',
        userId: 'alice',
        context: { consent: { categoryPreferences: { personalization: false } } },
      },
    ]);
    expect(await recommend('userId=alice')).toMatchObject({ personalized: false });
    expect(itemsOf(await recommend('userId=alice'))).toEqual(popular);

    const score = countScoring();
    const erase = await admin('POST', '/v1/privacy/erase', { identifier: 'userId:dave' });
    expect(erase.statusCode).toBe(202);
    // At once, before the training the erasure asked for ends: the popular list, made again
    // (the erasure dropped every kept list).
    const dave = await recommend('userId=dave');
    expect(dave).toMatchObject({ personalized: false });
    expect(itemsOf(dave)).toEqual(popular);
    expect(score).toHaveBeenCalledTimes(1);
  });

  it('drops kept lists when the catalogue changes what they may hold', async () => {
    t = await startTestTailor({}, () => clock);
    await t.collect(SHOP);
    await admin('PUT', '/v1/recommenders/shop', { method: 'item-knn' });
    await train();
    expect(itemsOf(await recommend('userId=alice'))).toEqual(['b', 'x', 'y']);
    const put = await admin('PUT', '/v1/catalog/items', [{ id: 'b', available: false }]);
    expect(put.statusCode, put.body).toBe(200);
    expect(itemsOf(await recommend('userId=alice'))).toEqual(['x', 'y']);
    await admin('PUT', '/v1/catalog/items', [{ id: 'b', available: true }]);
    expect(itemsOf(await recommend('userId=alice'))).toEqual(['b', 'x', 'y']);
  });

  it("drops a content model's kept lists as each part of a feed enters its HNSW index", async () => {
    t = await startTestTailor({}, () => clock);
    // 6,000 items with text: above exact search's 5,000, so the model searches its HNSW index.
    const filler = Array.from({ length: 6000 }, (_, i) => ({
      id: `f${i}`,
      name: `w${i % 97} w${(i * 7) % 89} w${(i * 13) % 83}`,
    }));
    for (let i = 0; i < filler.length; i += 2000)
      expect((await admin('PUT', '/v1/catalog/items', filler.slice(i, i + 2000))).statusCode).toBe(
        200,
      );
    await admin('PUT', '/v1/catalog/items', [
      { id: 'lantern', name: 'White metal lantern' },
      { id: 'tlight', name: 'White hanging heart t-light holder' },
    ]);
    await t.collect([viewed('ann', 'lantern', 50), viewed('ann', 'tlight', 40)]);
    await admin('PUT', '/v1/recommenders/shop', { method: 'content' });
    await train();
    expect(itemsOf(await recommend('userId=ann&k=5'))).not.toContain('new-999');
    // A feed of 1,000 items enters the index 50 a turn; the last ones are what Ann looks at.
    const feed = Array.from({ length: 1000 }, (_, i) => ({
      id: `new-${i}`,
      name: i >= 990 ? 'White metal lantern, heart t-light holder' : `White w${i % 50} w${i % 7}`,
    }));
    await admin('PUT', '/v1/catalog/items', feed);
    await recommend('userId=ann&k=5'); // while the feed is being indexed, likely: kept for now
    const recommenders = t.tailor.recommenders;
    await expect.poll(() => recommenders.indexingBacklog('shop')).toBe(0);
    const ann = itemsOf(await recommend('userId=ann&k=5'));
    expect(ann.filter((id) => Number(id.slice('new-'.length)) >= 990)).toHaveLength(5);
  });
});
