import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_AUTH, cleanupTailors, postCollect, spawnTailor } from './support/spawn-tailor.js';

afterAll(async () => {
  await cleanupTailors();
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1) + minute * 60_000).toISOString();
const order = (userId: string, products: string[], minute: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  properties: { products: products.map((product_id) => ({ product_id })) },
  timestamp: at(minute),
});
const view = (userId: string, product: string, minute: number) => ({
  type: 'track',
  event: 'Product Viewed',
  userId,
  properties: { product_id: product },
  timestamp: at(minute),
});

/**
 * Under `tailor serve` a recommender's matrix and fit are made on a worker thread of its own (the
 * built fit-worker.js), and the model serves on the request thread: the same answers as the
 * in-process tests (recommendations.test.ts), through the real server.
 */
describe('recommendations under tailor serve', () => {
  it('trains on a worker thread and serves what goes with what the person had', async () => {
    const tailor = await spawnTailor();
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${tailor.url}${path}`, {
        method,
        headers: {
          authorization: ADMIN_AUTH,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const batch = [
      order('u1', ['a', 'b'], 1),
      order('u2', ['a', 'b'], 2),
      order('u3', ['a', 'b'], 3),
      ...['u4', 'u5', 'u6', 'u7', 'u8'].map((u, i) => view(u, 'x', 10 + i)),
      view('u4', 'y', 20),
      view('u5', 'y', 21),
      view('alice', 'a', 30),
    ];
    expect((await postCollect(tailor.url, '/v1/batch', { batch })).status).toBe(200);
    // Folded by the background thread: alice has a profile (so her row is her profile's).
    for (let tries = 0; tries < 200; tries++) {
      const found = await admin('GET', '/v1/profiles?identifier=userId:alice');
      await found.body?.cancel();
      if (found.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await admin('PUT', '/v1/recommenders/shop', { method: 'ease' })).status).toBe(200);
    const trained = await admin('POST', '/v1/recommenders/shop/train');
    expect(trained.status).toBe(200);
    expect(await trained.json()).toMatchObject({ people: 9, items: 4, interactions: 14 });

    const alice = await admin('GET', '/v1/recommendations/shop?userId=alice');
    expect(await alice.json()).toMatchObject({
      method: 'ease',
      personalized: true,
      items: [{ item: 'b', rank: 1 }, { item: 'x' }, { item: 'y' }],
    });
    expect(tailor.output()).not.toMatch(/training recommender .* failed/);
    expect(await tailor.stop()).toBe(0);
  });
});
