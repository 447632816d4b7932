import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Recommendations } from '@tailor/core';
import type { Decision } from '../src/decide/decider.js';
import { startTestTailor, type ConfigOverrides, type TestTailor } from './support/test-tailor.js';
import { SHOP_CLOCK, SHOP_EVENTS, viewed } from './support/recommendation-shop.js';

let t: TestTailor;
const clock = SHOP_CLOCK;
afterEach(async () => {
  await t.close();
});

async function start(overrides: ConfigOverrides = {}) {
  t = await startTestTailor(overrides, () => clock);
}
function admin(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload }),
  });
}

/**
 * Two groups that never meet: u1-u3 ordered a with b; u4-u8 viewed x (u4, u5 also y). Alice
 * viewed a alone. Popularity: x 5, a 4, b 3, y 2. So a stranger gets x a b y, and Alice, who
 * had a, gets b first (the only item seen with a), then x and y at no affinity, by popularity.
 */
const SHOP = [
  ...SHOP_EVENTS,
  // Not an interaction: another event, and a view without a product.
  { type: 'track', event: 'Signed Up', userId: 'u9', properties: { product_id: 'q' } },
  { type: 'track', event: 'Product Viewed', userId: 'u9', properties: {} },
];

async function recommend(name: string, query: string) {
  const res = await admin('GET', `/v1/recommendations/${name}?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Recommendations>();
}
const itemsOf = (r: Recommendations) => r.items.map((i) => i.item);

async function define(name: string, body: object) {
  const put = await admin('PUT', `/v1/recommenders/${name}`, body);
  expect(put.statusCode, put.body).toBe(200);
  const trained = await admin('POST', `/v1/recommenders/${name}/train`);
  expect(trained.statusCode, trained.body).toBe(200);
  return trained.json<{ people: number; items: number; interactions: number }>();
}

describe('recommenders served from the log', () => {
  it.each(['item-knn', 'ease'])(
    '%s: what goes with what the person had, never what they had; popular items for a stranger',
    async (method) => {
      await start();
      await t.collect(SHOP);
      const model = await define('shop', { method });
      expect(model).toMatchObject({ people: 9, items: 4, interactions: 14 });

      const alice = await recommend('shop', 'userId=alice');
      expect(alice).toMatchObject({ method, personalized: true });
      expect(itemsOf(alice)).toEqual(['b', 'x', 'y']);
      expect(alice.items.map((i) => i.rank)).toEqual([1, 2, 3]);
      expect(alice.items[0]?.score).toBeGreaterThan(alice.items[1]?.score ?? Infinity);

      const stranger = await recommend('shop', 'userId=nobody&k=2');
      expect(stranger).toMatchObject({ personalized: false });
      expect(itemsOf(stranger)).toEqual(['x', 'a']);

      // Her anonymous id resolves to her profile once linked.
      await t.collect([{ type: 'identify', userId: 'alice', anonymousId: 'anon-alice' }]);
      expect(itemsOf(await recommend('shop', 'anonymousId=anon-alice'))).toEqual(['b', 'x', 'y']);

      const got = await admin('GET', '/v1/recommenders/shop');
      expect(got.json()).toMatchObject({
        name: 'shop',
        method,
        version: 1,
        model: { people: 9, items: 4, version: 1 },
      });
    },
  );

  it('popularity: the same items for everyone, without what the person had', async () => {
    await start();
    await t.collect(SHOP);
    await define('top', { method: 'popularity', events: ['Product Viewed'] });
    const alice = await recommend('top', 'userId=alice');
    expect(alice).toMatchObject({ method: 'popularity', personalized: false });
    expect(itemsOf(alice)).toEqual(['x', 'y']); // views only: a and b were ordered, alice had a
  });

  it('leaves out people who refused personalization, and serves them popular items', async () => {
    await start();
    await t.collect([
      ...SHOP,
      // Carol refused personalization: her items teach nothing and are served to nobody.
      {
        type: 'identify',
        userId: 'carol',
        context: { consent: { categoryPreferences: { personalization: false } } },
      },
      viewed('carol', 'z', 20),
      viewed('carol', 'a', 21),
      viewed('carol', 'b', 22),
    ]);
    expect(await define('shop', { method: 'item-knn' })).toMatchObject({ people: 9, items: 4 });
    const carol = await recommend('shop', 'userId=carol');
    expect(carol).toMatchObject({ personalized: false });
    expect(itemsOf(carol)).toEqual(['x', 'a', 'b', 'y']);
  });

  it('forgets an erased person: their items leave the model, they get popular items', async () => {
    await start();
    // Dave alone had w, and twice as many views of w as any other item would otherwise be popular.
    await t.collect([...SHOP, viewed('dave', 'w', 30), viewed('dave', 'a', 31)]);
    await define('shop', { method: 'item-knn' });
    expect(itemsOf(await recommend('shop', 'userId=nobody'))).toContain('w');
    expect(itemsOf(await recommend('shop', 'userId=dave'))[0]).toBe('b');

    const erase = await admin('POST', '/v1/privacy/erase', { identifier: 'userId:dave' });
    expect(erase.statusCode).toBe(202);
    // The erasure asked for a training; one asked now runs after it.
    await admin('POST', '/v1/recommenders/shop/train');
    expect(itemsOf(await recommend('shop', 'userId=nobody'))).not.toContain('w');
    const dave = await recommend('shop', 'userId=dave');
    expect(dave.personalized).toBe(false);

    await t.collect([]); // the pipeline carries the erasure out: retrained again, still without him
    await admin('POST', '/v1/recommenders/shop/train');
    const got = (await admin('GET', '/v1/recommenders/shop')).json();
    expect(got.model).toMatchObject({ people: 9, items: 4 });
  });

  it('reacts to what people did since training, before the next one', async () => {
    await start();
    await t.collect(SHOP);
    await define('shop', { method: 'item-knn' });
    expect(itemsOf(await recommend('shop', 'userId=alice'))).toEqual(['b', 'x', 'y']);
    // Alice views y (whose neighbour is x); a newcomer views a (whose neighbour is b).
    await t.collect([viewed('alice', 'y', 50), viewed('newbie', 'a', 51)]);
    await vi.waitFor(
      async () => {
        expect(itemsOf(await recommend('shop', 'userId=alice'))).toEqual(['b', 'x']);
      },
      { timeout: 5000, interval: 50 },
    );
    const newbie = await recommend('shop', 'userId=newbie');
    expect(newbie).toMatchObject({ personalized: true });
    expect(itemsOf(newbie)).toEqual(['b', 'x', 'y']);
    // The write key without proof still gets the list anyone gets.
    const asked = await t.post('/v1/recommendations/shop', { userId: 'alice' });
    expect(itemsOf(asked.json())).toEqual(['x', 'a', 'b', 'y']);
  });

  it('trains again on its schedule, and on a change of its definition', async () => {
    await start({ recommendations: { retrainMinutes: 0.001 } });
    await t.collect(SHOP);
    await define('shop', { method: 'item-knn' });
    await t.collect([viewed('u10', 'n', 40)]);
    await vi.waitFor(
      async () => {
        expect(itemsOf(await recommend('shop', 'userId=nobody'))).toContain('n');
      },
      { timeout: 5000, interval: 20 },
    );
    const put = await admin('PUT', '/v1/recommenders/shop', {
      method: 'item-knn',
      events: ['Order Completed'],
    });
    expect(put.json()).toMatchObject({ version: 2 });
    await vi.waitFor(
      async () => {
        expect((await admin('GET', '/v1/recommenders/shop')).json().model?.version).toBe(2);
      },
      { timeout: 5000, interval: 20 },
    );
    expect(itemsOf(await recommend('shop', 'userId=nobody'))).toEqual(['a', 'b']);
  });

  it('refuses bad definitions and requests with a clear 400, and unknown names with 404', async () => {
    await start();
    const bad: [object, RegExp][] = [
      [{ method: 'svd' }, /method/],
      [{}, /method/],
      [{ method: 'ease', events: [] }, /events/],
      [{ method: 'ease', halfLifeDays: 0 }, /halfLifeDays/],
      [{ method: 'ease', k: 101 }, /k/],
      [{ method: 'ease', extra: true }, /extra/],
    ];
    for (const [body, reason] of bad) {
      const res = await admin('PUT', '/v1/recommenders/shop', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toMatch(reason);
    }
    const control = await admin('PUT', '/v1/recommenders/a%01b', { method: 'ease' });
    expect(control.statusCode).toBe(400);
    expect(control.json().message).toMatch(/recommender name/);

    expect((await admin('GET', '/v1/recommenders/none')).statusCode).toBe(404);
    expect((await admin('DELETE', '/v1/recommenders/none')).statusCode).toBe(404);
    expect((await admin('GET', '/v1/recommendations/none?userId=a')).statusCode).toBe(404);

    await t.collect(SHOP);
    await define('shop', { method: 'ease' });
    for (const query of ['', 'userId=a&k=0', 'userId=a&k=101', 'userId=a&other=1']) {
      const res = await admin('GET', `/v1/recommendations/shop?${query}`);
      expect(res.statusCode, query).toBe(400);
    }
    expect((await admin('GET', '/v1/recommendations/shop?userId=a')).statusCode).toBe(200);
    expect((await admin('DELETE', '/v1/recommenders/shop')).statusCode).toBe(204);
    expect((await admin('GET', '/v1/recommendations/shop?userId=a')).statusCode).toBe(404);
    expect((await admin('GET', '/v1/recommenders')).json()).toEqual({ items: [] });
  });

  it('gives the write key popular items, and the person their own only with a valid userHash', async () => {
    await start();
    await t.collect(SHOP);
    await define('shop', { method: 'item-knn' });
    const asked = (body: object) => t.post('/v1/recommendations/shop', body);

    const plain = await asked({ userId: 'alice' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBe('*');
    expect(plain.json()).toMatchObject({ personalized: false });
    expect(itemsOf(plain.json())).toEqual(['x', 'a', 'b', 'y']);
    expect(itemsOf((await asked({ userId: 'alice', userHash: 'ab'.repeat(32) })).json())).toEqual([
      'x',
      'a',
      'b',
      'y',
    ]);

    const secret = (await admin('GET', '/v1/identity-verification/secret')).json<{
      secret: string;
    }>().secret;
    const userHash = createHmac('sha256', secret).update('alice').digest('hex');
    const proven = await asked({ userId: 'alice', userHash });
    expect(proven.json()).toMatchObject({ personalized: true });
    expect(itemsOf(proven.json())).toEqual(['b', 'x', 'y']);

    // Readers only on the GET route: a write key is refused there.
    const get = await t.app.inject({
      url: '/v1/recommendations/shop?userId=alice',
      headers: { authorization: t.writeAuth },
    });
    expect(get.statusCode).toBe(403);
  });

  it('is described in /openapi.json', async () => {
    await start();
    const spec = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(Object.keys(spec.paths['/v1/recommenders/{name}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(Object.keys(spec.paths['/v1/recommendations/{name}'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(JSON.stringify(spec.paths['/v1/recommenders/{name}'])).toContain('item-knn');
  });
});

describe('recommendations in placement templates', () => {
  const HERO = {
    items: [
      {
        id: 'recs',
        template: '{% for r in recommendations.shop %}{{ r.item }} {% endfor %}',
      },
    ],
    default: { id: 'plain', template: 'Top: {{ recommendations.shop[0].item }}' },
  };
  async function decide(body: object, authorization = t.adminAuth) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { authorization },
      payload: { placements: ['hero'], ...body },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ decisions: Decision[] }>().decisions[0];
  }

  it('renders the personal list for a known person and the popular one for others', async () => {
    await start();
    await t.collect(SHOP);
    await define('shop', { method: 'ease', k: 3 });
    expect((await admin('PUT', '/v1/placements/hero', HERO)).statusCode).toBe(200);

    expect((await decide({ userId: 'alice' }))?.content).toBe('b x y ');
    // The public write key sees what anyone may: popular items (alice's own a among them).
    expect((await decide({ userId: 'alice' }, t.writeAuth))?.content).toBe('x a b ');
    // A stranger gets the default, rendered for nobody: the most popular item.
    expect(await decide({ userId: 'nobody' })).toMatchObject({ fallback: true, content: 'Top: x' });

    // Refusing personalization: the default, never a personal list.
    await t.collect([
      {
        type: 'identify',
        userId: 'alice',
        context: { consent: { categoryPreferences: { personalization: false } } },
      },
    ]);
    expect(await decide({ userId: 'alice' })).toMatchObject({ fallback: true, content: 'Top: x' });
  });

  it('records the recommended items a template was given on its Decision Made event (exposures)', async () => {
    await start();
    await t.collect(SHOP);
    await define('shop', { method: 'ease', k: 3 });
    expect((await admin('PUT', '/v1/placements/hero', HERO)).statusCode).toBe(200);
    expect((await decide({ userId: 'alice' }))?.content).toBe('b x y ');
    expect((await decide({ userId: 'alice' }, t.writeAuth))?.content).toBe('x a b ');
    expect((await decide({ userId: 'nobody' }))?.content).toBe('Top: x');
    t.tailor.flushDecisions();
    const made = async (userId: string) =>
      (await admin('GET', `/v1/events?userId=${userId}`))
        .json<{ events: { event?: string; properties?: Record<string, unknown> }[] }>()
        .events.filter((e) => e.event === 'Decision Made')
        .map((e) => e.properties?.recommendations);
    // The whole list the template was given, even where it showed only the first (the default).
    expect(await made('alice')).toEqual([{ shop: ['b', 'x', 'y'] }, { shop: ['x', 'a', 'b'] }]);
    expect(await made('nobody')).toEqual([{ shop: ['x', 'a', 'b'] }]);
    // The record reuses the list the render was given: one recommendation a decision, not two.
    const spy = vi.spyOn(t.tailor.recommenders, 'forTemplate');
    expect((await decide({ userId: 'alice' }))?.content).toBe('b x y ');
    expect((await decide({ userId: 'nobody' }))?.content).toBe('Top: x');
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    t.tailor.flushDecisions();
    expect((await made('alice')).at(-1)).toEqual({ shop: ['b', 'x', 'y'] });
    expect((await made('nobody')).at(-1)).toEqual({ shop: ['x', 'a', 'b'] });

    // A template that reads no recommender records none.
    await admin('PUT', '/v1/placements/hero', {
      items: [{ id: 'plain', template: 'Hello' }],
      default: { id: 'd', template: 'x' },
    });
    await decide({ userId: 'bob' });
    t.tailor.flushDecisions();
    expect(await made('bob')).toEqual([undefined]);
  });

  it('asks no recommender for a template that does not read one', async () => {
    await start();
    await t.collect(SHOP);
    await define('shop', { method: 'ease' });
    await admin('PUT', '/v1/placements/hero', {
      items: [{ id: 'plain', template: 'Hello' }],
      default: { id: 'd', template: 'x' },
    });
    const spy = vi.spyOn(t.tailor.recommenders, 'forTemplate');
    expect((await decide({ userId: 'alice' }))?.content).toBe('Hello');
    expect(spy).not.toHaveBeenCalled();
  });
});
