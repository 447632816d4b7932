import { afterEach, describe, expect, it } from 'vitest';
import { contentVectors, exactSearch, tfidfVectors, type Recommendations } from '@tailor/core';
import { hnswSearch } from '../src/recommend/hnsw-search.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';

let t: TestTailor | undefined;
const clock = Date.UTC(2026, 11, 5, 12);
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start() {
  t = await startTestTailor({}, () => clock);
  return t;
}
function admin(method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) {
  if (t === undefined) throw new Error('not started');
  return t.app.inject({
    method,
    url,
    headers: { authorization: t.adminAuth },
    ...(payload !== undefined && { payload: payload as object }),
  });
}
const viewed = (userId: string, product: string, minutesAgo: number) => ({
  type: 'track',
  event: 'Product Viewed',
  userId,
  properties: { product_id: product },
  timestamp: new Date(clock - minutesAgo * 60_000).toISOString(),
});
async function define(name: string, body: object) {
  const put = await admin('PUT', `/v1/recommenders/${name}`, body);
  expect(put.statusCode, put.body).toBe(200);
  const trained = await admin('POST', `/v1/recommenders/${name}/train`);
  expect(trained.statusCode, trained.body).toBe(200);
  return trained.json<{ people: number; items: number; interactions: number }>();
}
async function recommend(name: string, query: string) {
  const res = await admin('GET', `/v1/recommendations/${name}?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Recommendations>();
}
const itemsOf = (r: Recommendations) => r.items.map((i) => i.item);

const CATALOGUE = [
  { id: 'lantern', name: 'White metal lantern', category: 'Lighting' },
  { id: 'tlight', name: 'White hanging heart t-light holder', category: 'Lighting' },
  { id: 'candle', name: 'Scented candle jar', category: 'Lighting' },
  { id: 'mug', name: 'Red retrospot mug', category: 'Kitchen' },
  { id: 'teapot', name: 'Red retrospot teapot', category: 'Kitchen' },
  { id: 'bag', name: 'Jumbo bag red retrospot', category: 'Bags' },
];

describe('content-based recommendations (cold start of new items)', () => {
  it('recommends a new item nobody had through its text, once the catalogue has it', async () => {
    const tailor = await start();
    await admin('PUT', '/v1/catalog/items', CATALOGUE);
    await tailor.collect([
      viewed('ann', 'lantern', 50),
      viewed('ann', 'tlight', 40),
      viewed('bob', 'mug', 30),
      viewed('bob', 'bag', 20),
      viewed('cy', 'mug', 10),
    ]);
    const model = await define('similar', { method: 'content' });
    // Every catalogue item is in the model, those nobody had included.
    expect(model).toMatchObject({ people: 3, items: 6, interactions: 5 });
    const ann = await recommend('similar', 'userId=ann&k=2');
    expect(ann).toMatchObject({ method: 'content', personalized: true, basis: 'person' });
    // The candle shares "Lighting"; the mug shares no word (0), first of the rest by popularity.
    expect(itemsOf(ann)).toEqual(['candle', 'mug']);
    expect(ann.items[1]?.score).toBe(0);
    expect(itemsOf(await recommend('similar', 'userId=bob&k=1'))).toEqual(['teapot']);

    // A new lantern arrives: after the next training it leads Ann's list, though nobody had it.
    await admin('PUT', '/v1/catalog/items', [
      { id: 'new-lantern', name: 'Silver metal lantern', category: 'Lighting' },
    ]);
    await define('similar', { method: 'content' });
    expect(itemsOf(await recommend('similar', 'userId=ann&k=2'))).toEqual([
      'new-lantern',
      'candle',
    ]);
    // A stranger gets the popular items; nobody had the new lantern, so it is not among them first.
    const stranger = await recommend('similar', 'userId=nobody&k=1');
    expect(stranger).toMatchObject({ personalized: false, basis: 'popular' });
    expect(itemsOf(stranger)).toEqual(['mug']);
  });
});

describe('new people: the popular items of their segments', () => {
  it("serves a person the model does not know their segments' popular items", async () => {
    const tailor = await start();
    expect(
      (await admin('PUT', '/v1/segments/pro', { definition: 'traits.plan = "pro"' })).statusCode,
    ).toBe(200);
    const identify = (userId: string) => ({ type: 'identify', userId, traits: { plan: 'pro' } });
    // Five pro members (fewer would not be served: their list would show what those few had).
    const pros = ['p1', 'p2', 'p3', 'p4', 'p5'];
    await tailor.collect([
      ...pros.map(identify),
      ...pros.map((u) => viewed(u, 'wine', 30)),
      viewed('p2', 'cheese', 30),
      viewed('p3', 'cheese', 30),
      ...['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'].map((u) => viewed(u, 'toy', 30)),
      viewed('s1', 'cheese', 30),
      viewed('s2', 'cheese', 30),
    ]);
    await define('shop', { method: 'ease' });
    await tailor.collect([identify('newbie')]);
    const newbie = await recommend('shop', 'userId=newbie&k=3');
    expect(newbie).toMatchObject({ personalized: true, basis: 'segments' });
    // In pro: wine 5, cheese 2; toy after, by overall popularity (toy 8, wine 5, cheese 4).
    expect(itemsOf(newbie)).toEqual(['wine', 'cheese', 'toy']);
    const stranger = await recommend('shop', 'userId=stranger&k=3');
    expect(stranger).toMatchObject({ personalized: false, basis: 'popular' });
    expect(itemsOf(stranger)).toEqual(['toy', 'wine', 'cheese']);
    // The write key without a userHash proves nobody: popular items, not the segment's.
    const open = await tailor.app.inject({
      method: 'POST',
      url: '/v1/recommendations/shop',
      headers: { authorization: tailor.writeAuth },
      payload: { userId: 'newbie', k: 3 },
    });
    expect(open.json<Recommendations>()).toMatchObject({ basis: 'popular' });
  });
});

describe('boosts', () => {
  it('multiplies the scores of matching items, and follows the catalogue without a training', async () => {
    const tailor = await start();
    await tailor.collect(
      Object.entries({ x: 5, a: 4, b: 3, y: 2 }).flatMap(([item, n]) =>
        Array.from({ length: n }, (_, i) => viewed(`u${i}`, item, 60)),
      ),
    );
    await admin('PUT', '/v1/catalog/items', [
      { id: 'x', category: 'toys', brand: 'Acme' },
      { id: 'a', category: 'toys' },
      { id: 'b', category: 'games', attributes: { organic: true } },
      { id: 'y', category: 'games' },
    ]);
    await define('shop', {
      method: 'popularity',
      rules: {
        boosts: [
          { field: 'category', value: 'games', factor: 2 },
          { field: 'attributes.organic', value: true, factor: 1.5 },
          { field: 'brand', value: 'Acme', factor: 0.5 },
        ],
      },
    });
    const list = async () => itemsOf(await recommend('shop', 'userId=stranger&k=4'));
    // Popularity 5 4 3 2 becomes x 2.5, a 4, b 3·2·1.5 = 9, y 2·2 = 4 (y after a: less popular).
    expect(await list()).toEqual(['b', 'a', 'y', 'x']);
    await admin('PUT', '/v1/catalog/items', [{ id: 'x', category: 'games' }]);
    expect(await list()).toEqual(['x', 'b', 'a', 'y']);

    for (const boosts of [
      [{ field: 'colour', value: 'red', factor: 2 }],
      [{ field: 'category', value: 'games', factor: 0 }],
      [{ field: 'category', value: 'games', factor: 101 }],
      [{ field: 'category', value: { nested: 1 }, factor: 2 }],
    ]) {
      const bad = await admin('PUT', '/v1/recommenders/shop', {
        method: 'popularity',
        rules: { boosts },
      });
      expect(bad.statusCode, JSON.stringify(boosts)).toBe(400);
      expect(bad.json<{ message: string }>().message).toMatch(/boosts/);
    }
  });
});

describe('the HNSW index', () => {
  it('finds nearly all of the exact nearest items on 3,000 product-like texts', () => {
    // Words drawn from a small vocabulary with a skew, as product names are.
    let seed = 17;
    const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    const words = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);
    const texts = Array.from({ length: 3000 }, () =>
      Array.from(
        { length: 3 + Math.floor(random() * 5) },
        () => words[Math.floor(random() ** 2 * words.length)],
      ).join(' '),
    );
    const content = contentVectors(tfidfVectors(texts));
    const exact = exactSearch(content);
    const approximate = hnswSearch(content);
    let found = 0;
    const k = 20;
    for (let q = 0; q < 200; q++) {
      const query = content.vectors.slice(q * content.dimensions, (q + 1) * content.dimensions);
      const truth = exact(query, k);
      const kth = truth[k - 1]?.similarity ?? -Infinity;
      // Ties at the k-th similarity: any of them is as right as another.
      found += approximate(query, k).filter((n) => n.similarity >= kth - 1e-6).length;
      expect(approximate(query, k)[0]?.similarity).toBeCloseTo(truth[0]?.similarity ?? NaN, 5);
    }
    expect(found / (200 * k)).toBeGreaterThan(0.95);
  });
});
