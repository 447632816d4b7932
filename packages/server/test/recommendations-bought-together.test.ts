import { afterEach, describe, expect, it } from 'vitest';
import type { Recommendations } from '@tailor/core';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor | undefined;
const clock = Date.UTC(2026, 11, 5, 12);
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function tailor(): TestTailor {
  if (t === undefined) throw new Error('not started');
  return t;
}
function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) {
  return tailor().app.inject({
    method,
    url,
    headers: { authorization: tailor().adminAuth },
    ...(payload !== undefined && { payload: payload as object }),
  });
}
const order = (userId: string, orderId: string, products: string[], daysAgo: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  properties: { order_id: orderId, products: products.map((product_id) => ({ product_id })) },
  timestamp: new Date(clock - daysAgo * 86_400_000).toISOString(),
});
// Tea goes with a mug (three orders), a spoon with a mug (two); Ann bought a bag on its own a
// week after her tea and mug: people's histories link bag and mug, orders do not.
const ORDERS = [
  order('ann', 'o1', ['tea', 'mug'], 10),
  order('ann', 'o2', ['bag'], 3),
  order('bob', 'o3', ['tea', 'mug', 'spoon'], 9),
  order('cy', 'o4', ['tea', 'mug'], 8),
  order('cy', 'o5', ['bag'], 2),
  order('dee', 'o6', ['mug', 'spoon'], 7),
  order('eve', 'o7', ['bag', 'cake'], 6),
];
async function define(name: string, body: object) {
  expect((await admin('PUT', `/v1/recommenders/${name}`, body)).statusCode).toBe(200);
  const trained = await admin('POST', `/v1/recommenders/${name}/train`);
  expect(trained.statusCode, trained.body).toBe(200);
}
async function recommend(name: string, query: string) {
  const res = await admin('GET', `/v1/recommendations/${name}?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Recommendations>();
}
const itemsOf = (r: Recommendations) => r.items.map((i) => i.item);

describe('bought together', () => {
  it('serves the items bought in the same orders as the items a request names', async () => {
    t = await startTestTailor({}, () => clock);
    await tailor().collect(ORDERS);
    await define('together', { method: 'bought-together' });
    await define('people', { method: 'item-knn' });

    // A product page for a mug, nobody named: what was ordered with mugs.
    const mug = await recommend('together', 'items=mug&k=3');
    expect(mug).toMatchObject({ method: 'bought-together', personalized: true, basis: 'items' });
    // tea: 3 of the mug's 4 orders (3/√(4·3)); spoon: 2 (2/√(4·2)); the bag never was: score 0.
    expect(mug.items.map((i) => [i.item, Number(i.score.toFixed(6))])).toEqual([
      ['tea', Number((3 / Math.sqrt(12) / (1 + 10 / Math.sqrt(12))).toFixed(6))],
      ['spoon', Number((2 / Math.sqrt(8) / (1 + 10 / Math.sqrt(8))).toFixed(6))],
      ['bag', 0],
    ]);
    // Item-kNN over people links the mug and the bag (Ann and Cy had both).
    const byPeople = await recommend('people', 'items=mug&k=3');
    expect(byPeople.items.find((i) => i.item === 'bag')?.score).toBeGreaterThan(0);

    // A cart of several items, and an item no order holds, ignored.
    expect(itemsOf(await recommend('together', 'items=bag,unknown&k=1'))).toEqual(['cake']);
    // A person: what goes with what they bought, none of it again.
    const dee = await recommend('together', 'userId=dee&k=2');
    expect(dee).toMatchObject({ basis: 'person' });
    expect(itemsOf(dee)).toEqual(['tea', 'bag']);
  });

  it('gives the public write key what goes with the items it names, and still no one’s history', async () => {
    t = await startTestTailor({}, () => clock);
    await tailor().collect(ORDERS);
    await define('together', { method: 'bought-together' });
    const post = (payload: object) =>
      tailor().app.inject({
        method: 'POST',
        url: '/v1/recommendations/together',
        headers: { authorization: tailor().writeAuth },
        payload,
      });
    // Dee had a mug and a spoon; unproven, her own items are not excluded, only the cart's.
    const res = await post({ userId: 'dee', items: ['spoon'], k: 2 });
    expect(res.json<Recommendations>()).toMatchObject({ basis: 'items' });
    expect(itemsOf(res.json<Recommendations>())).toEqual(['mug', 'tea']);
    expect((await post({ k: 2 })).statusCode).toBe(400);
    expect((await post({ items: Array.from({ length: 51 }, (_, i) => `p${i}`) })).statusCode).toBe(
      400,
    );
  });

  it('fills a placement template from the request’s context.items and records the list', async () => {
    t = await startTestTailor({}, () => clock);
    await tailor().collect(ORDERS);
    await define('together', { method: 'bought-together', k: 2 });
    const placement = {
      items: [
        {
          id: 'with',
          template: 'With it: {% for r in recommendations.together %}{{ r.item }} {% endfor %}',
        },
      ],
      // A stranger gets the default: it reads the same list.
      default: { id: 'plain', template: 'Also: {{ recommendations.together[0].item }}' },
    };
    expect((await admin('PUT', '/v1/placements/pdp', placement)).statusCode).toBe(200);
    const decide = async (context: object, userId = 'dee') => {
      const res = await tailor().app.inject({
        method: 'POST',
        url: '/v1/decide',
        headers: { authorization: tailor().writeAuth },
        payload: { userId, placements: ['pdp'], context },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ decisions: Decision[] }>().decisions[0]?.content;
    };
    // The write key without a userHash: Dee's history is not read, the page's items are (after
    // cake, which went with a bag, the rest by popularity: mug had by four people).
    expect(await decide({ items: ['mug'] })).toBe('With it: tea spoon ');
    expect(await decide({ items: ['bag', 42] })).toBe('With it: cake mug ');
    expect(await decide({ items: ['bag'] }, 'stranger')).toBe('Also: cake');
    tailor().tailor.flushDecisions();
    const made = (await admin('GET', '/v1/events?userId=dee')).json<{
      events: { event?: string; properties?: Record<string, unknown> }[];
    }>();
    expect(
      made.events
        .filter((e) => e.event === 'Decision Made')
        .map((e) => e.properties?.recommendations),
    ).toEqual([{ together: ['tea', 'spoon'] }, { together: ['cake', 'mug'] }]);
  });
});

describe('mixed lists (method blend)', () => {
  it('mixes a collaborative list with content, new items included, and refuses a bad blend', async () => {
    t = await startTestTailor({}, () => clock);
    await admin('PUT', '/v1/catalog/items', [
      { id: 'tea', name: 'Green tea tin', category: 'Tea' },
      { id: 'mug', name: 'Red retrospot mug', category: 'Kitchen' },
      { id: 'spoon', name: 'Silver tea spoon', category: 'Kitchen' },
      { id: 'bag', name: 'Jumbo bag', category: 'Bags' },
      { id: 'cake', name: 'Cake tin', category: 'Baking' },
      // Nobody bought it yet: only content can bring it.
      { id: 'tea2', name: 'Black tea tin', category: 'Tea' },
    ]);
    await tailor().collect(ORDERS);
    const body = {
      method: 'blend',
      blend: [{ method: 'bought-together' }, { method: 'content', weight: 1 }],
    };
    await define('mixed', body);
    const cart = await recommend('mixed', 'items=tea&k=3');
    expect(cart).toMatchObject({ method: 'blend', basis: 'items' });
    // What was ordered with tea (mug, spoon) and the new tin content finds.
    expect(itemsOf(cart).sort()).toEqual(['mug', 'spoon', 'tea2']);
    const bad = async (payload: object) => {
      const res = await admin('PUT', '/v1/recommenders/bad', payload);
      expect(res.statusCode, res.body).toBe(400);
      return res.json<{ message: string }>().message;
    };
    expect(await bad({ method: 'blend' })).toMatch(/needs the methods it mixes/);
    expect(await bad({ method: 'ease', blend: body.blend })).toMatch(/only method blend/);
    expect(
      await bad({ method: 'blend', blend: [{ method: 'ease' }, { method: 'ease', weight: 2 }] }),
    ).toMatch(/mixed once/);
    expect(
      await bad({ method: 'blend', blend: [{ method: 'blend' }, { method: 'ease' }] }),
    ).toMatch(/blend/);
  });
});
