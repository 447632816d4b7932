import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { contentVectors, exactSearch, tfidfVectors, type Recommendations } from '@tailor/core';
import {
  hnswSearch,
  readHnswIndex,
  readHnswSearch,
  writeHnswIndex,
} from '../src/recommend/hnsw-search.js';
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

    // A new lantern arrives: at once, with no training, it leads Ann's list, though nobody had it.
    await admin('PUT', '/v1/catalog/items', [
      { id: 'new-lantern', name: 'Silver metal lantern', category: 'Lighting' },
    ]);
    expect(itemsOf(await recommend('similar', 'userId=ann&k=2'))).toEqual([
      'new-lantern',
      'candle',
    ]);
    // Its text changes: embedded again, it leaves Ann's list and comes first in Bob's.
    await admin('PUT', '/v1/catalog/items', [
      { id: 'new-lantern', name: 'Jumbo red retrospot mug', category: 'Kitchen' },
    ]);
    expect(itemsOf(await recommend('similar', 'userId=ann&k=1'))).toEqual(['candle']);
    expect(itemsOf(await recommend('similar', 'userId=bob&k=1'))).toEqual(['new-lantern']);
    // The next training reads the same from the catalogue.
    await define('similar', { method: 'content' });
    expect(itemsOf(await recommend('similar', 'userId=bob&k=1'))).toEqual(['new-lantern']);
    await admin('PUT', '/v1/catalog/items', [
      { id: 'new-lantern', name: 'Silver metal lantern', category: 'Lighting' },
    ]);
    // A stranger gets the popular items; nobody had the new lantern, so it is not among them first.
    const stranger = await recommend('similar', 'userId=nobody&k=1');
    expect(stranger).toMatchObject({ personalized: false, basis: 'popular' });
    expect(itemsOf(stranger)).toEqual(['mug']);
  });
});

describe('new catalogue items between trainings, through the HNSW index', () => {
  it('puts new items and new text in the index at once, and blends them in', async () => {
    const tailor = await start();
    // 6,000 items with text: above exact search's 5,000, so the model searches its HNSW index.
    // Some share words with Ann's lights, so the graph leads there as a real catalogue's would.
    const words = [
      ...['white', 'metal', 'silver', 'holder', 'lighting', 'glass', 'candle'],
      ...Array.from({ length: 200 }, (_, i) => `w${i.toString(36)}`),
    ];
    const filler = Array.from({ length: 6000 }, (_, i) => ({
      id: `f${i}`,
      name: [i, i * 7, i * 13].map((n) => words[n % words.length]).join(' '),
    }));
    for (let i = 0; i < filler.length; i += 2000)
      expect((await admin('PUT', '/v1/catalog/items', filler.slice(i, i + 2000))).statusCode).toBe(
        200,
      );
    await admin('PUT', '/v1/catalog/items', CATALOGUE);
    await tailor.collect([
      viewed('ann', 'lantern', 50),
      viewed('ann', 'tlight', 40),
      viewed('bob', 'mug', 30),
      viewed('bob', 'bag', 20),
      viewed('cy', 'mug', 10),
    ]);
    const model = await define('similar', { method: 'content' });
    expect(model.items).toBe(6006);
    await define('mixed', {
      method: 'blend',
      blend: [{ method: 'item-knn' }, { method: 'content' }],
    });
    const recommenders = tailor.tailor.recommenders;
    const indexed = () =>
      expect
        .poll(() => recommenders.indexingBacklog('similar') + recommenders.indexingBacklog('mixed'))
        .toBe(0);
    expect(itemsOf(await recommend('similar', 'userId=ann&k=40'))).not.toContain('lantern-3');
    // New lanterns, more than the index has room for (it was built full): it grows.
    const lanterns = Array.from({ length: 30 }, (_, i) => ({
      id: `lantern-${i}`,
      name: `White metal lantern, heart t-light holder`,
      category: 'Lighting',
      available: i !== 0,
    }));
    await admin('PUT', '/v1/catalog/items', lanterns);
    await indexed();
    const ann = itemsOf(await recommend('similar', 'userId=ann&k=10'));
    expect(ann.filter((id) => id.startsWith('lantern-'))).toHaveLength(10);
    // Unavailable when it arrived: in the index, but left out of searches.
    expect(ann).not.toContain('lantern-0');
    const mixed = itemsOf(await recommend('mixed', 'userId=ann&k=10'));
    expect(mixed.filter((id) => id.startsWith('lantern-')).length).toBeGreaterThan(0);
    // New text for lantern-1: re-embedded in place, it is now nearest Bob's mug and bag.
    await admin('PUT', '/v1/catalog/items', [
      { id: 'lantern-1', name: 'Jumbo red retrospot mug and bag', category: 'Kitchen' },
    ]);
    await indexed();
    expect(itemsOf(await recommend('similar', 'userId=ann&k=29'))).not.toContain('lantern-1');
    expect(itemsOf(await recommend('similar', 'userId=bob&k=1'))).toEqual(['lantern-1']);
    // lantern-0 back in stock: let into searches.
    await admin(
      'PUT',
      '/v1/catalog/items',
      [lanterns[0]!].map((l) => ({ ...l, available: true })),
    );
    expect(itemsOf(await recommend('similar', 'userId=ann&k=30'))).toContain('lantern-0');
    // An item whose text is gone leaves the index.
    await admin('PUT', '/v1/catalog/items', [{ id: 'lantern-2' }]);
    await indexed();
    expect(itemsOf(await recommend('similar', 'userId=ann&k=40'))).not.toContain('lantern-2');
  });
});

describe('what people did since training, in content and blended lists', () => {
  it("moves a content list and a blend's within the follower's second, before any training", async () => {
    const tailor = await start();
    await admin('PUT', '/v1/catalog/items', CATALOGUE);
    await tailor.collect([
      viewed('ann', 'lantern', 50),
      viewed('bob', 'mug', 30),
      viewed('bob', 'lantern', 25),
      viewed('cy', 'mug', 10),
    ]);
    await define('similar', { method: 'content' });
    await define('mixed', {
      method: 'blend',
      blend: [{ method: 'item-knn' }, { method: 'content' }],
    });
    // Cy had a mug: the retrospot items first, then (sharing no word) the most viewed, the lantern.
    expect(itemsOf(await recommend('similar', 'userId=cy&k=3'))).toEqual([
      'teapot',
      'bag',
      'lantern',
    ]);
    // Cy views two lights now: they weigh as items had just now, no training between, so the
    // candle (Lighting) is near him and what he viewed is left out.
    await tailor.collect([viewed('cy', 'lantern', 0), viewed('cy', 'tlight', 0)]);
    await vi.waitFor(
      async () => {
        expect(itemsOf(await recommend('similar', 'userId=cy&k=3')).sort()).toEqual([
          'bag',
          'candle',
          'teapot',
        ]);
      },
      { timeout: 5000, interval: 50 },
    );
    const mixed = await recommend('mixed', 'userId=cy&k=5');
    expect(itemsOf(mixed)).not.toContain('lantern');
    expect(itemsOf(mixed)).not.toContain('tlight');
    expect(itemsOf(mixed)).toContain('candle');
    expect((await admin('GET', '/v1/recommenders/similar')).json()).toMatchObject({
      model: { interactions: 4 },
    });
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

/** 3,000 product-like texts: words drawn from a small vocabulary with a skew, as product names are. */
function productVectors() {
  let seed = 17;
  const random = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const words = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);
  const texts = Array.from({ length: 3000 }, () =>
    Array.from(
      { length: 3 + Math.floor(random() * 5) },
      () => words[Math.floor(random() ** 2 * words.length)],
    ).join(' '),
  );
  return contentVectors(tfidfVectors(texts));
}

/** The share of the exact k nearest of the first 200 items' vectors that `search` finds (ties at the k-th count). */
function recallOf(
  content: ReturnType<typeof productVectors>,
  search: ReturnType<typeof hnswSearch>,
  k: number,
) {
  const exact = exactSearch(content);
  let found = 0;
  for (let q = 0; q < 200; q++) {
    const query = content.vectors.slice(q * content.dimensions, (q + 1) * content.dimensions);
    const truth = exact(query, k);
    const kth = truth[k - 1]?.similarity ?? -Infinity;
    found += search(query, k).filter((n) => n.similarity >= kth - 1e-6).length;
  }
  return found / (200 * k);
}

describe('the HNSW index', () => {
  it('finds nearly all of the exact nearest items on 3,000 product-like texts', () => {
    const content = productVectors();
    const search = hnswSearch(content);
    expect(recallOf(content, search, 20)).toBeGreaterThan(0.95);
    // An item's own vector finds the item (or one with the same text) first.
    for (let item = 0; item < 200; item++) {
      const query = content.vectors.slice(
        item * content.dimensions,
        (item + 1) * content.dimensions,
      );
      expect(search(query, 1)[0]?.similarity).toBeCloseTo(1, 5);
    }
  });

  it("builds and searches with a definition's settings: fewer links and candidates find less", () => {
    const content = productVectors();
    const dir = mkdtempSync(join(tmpdir(), 'tailor-hnsw-settings-'));
    try {
      const sparse = join(dir, 'sparse.bin');
      const dense = join(dir, 'dense.bin');
      writeHnswIndex(content, sparse, { m: 4, efConstruction: 16 });
      writeHnswIndex(content, dense, { m: 32, efConstruction: 200 });
      // Each item keeps room for 2·M links at the base layer (4 bytes each), fewer above it (the
      // upper layers hold about 1/(M - 1) of the items): the file says which M built it.
      const perItem = (statSync(dense).size - statSync(sparse).size) / 3000;
      expect(perItem).toBeGreaterThan((64 - 8) * 4 - 10);
      expect(perItem).toBeLessThan((64 - 8) * 4 + 10);
      const narrow = recallOf(content, readHnswSearch(content, sparse, { efSearch: 16 }), 10);
      const wide = recallOf(content, readHnswSearch(content, dense, { efSearch: 400 }), 10);
      expect(wide).toBeGreaterThan(0.97);
      expect(narrow).toBeLessThan(wide - 0.05);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves unavailable items out of its searches without a rebuild, and lets them back in', () => {
    const content = productVectors();
    const dir = mkdtempSync(join(tmpdir(), 'tailor-hnsw-left-out-'));
    try {
      const file = join(dir, 'index.bin');
      writeHnswIndex(content, file);
      const index = readHnswIndex(content, file);
      const exact = exactSearch(content);
      const query = content.vectors.slice(0, content.dimensions);
      const before = index.search(query, 20).map((n) => n.item);
      const out = before.slice(0, 5);
      for (const item of out) index.setLeftOut(item, true);
      index.setLeftOut(out[0] ?? 0, true); // twice: no error, still out
      const after = index.search(query, 20);
      expect(after).toHaveLength(20);
      expect(after.filter((n) => out.includes(n.item))).toEqual([]);
      // The 20 found are still the nearest of the items left in (as exact search over them finds).
      const truth = exact(query, 40).filter((n) => !out.includes(n.item));
      const kth = truth[19]?.similarity ?? -Infinity;
      expect(after.filter((n) => n.similarity >= kth - 1e-6).length).toBeGreaterThanOrEqual(19);
      for (const item of out) index.setLeftOut(item, false);
      expect(index.search(query, 20).map((n) => n.item)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('adds items and replaces and removes their vectors without a rebuild, growing when full', () => {
    const content = productVectors();
    const dir = mkdtempSync(join(tmpdir(), 'tailor-hnsw-add-'));
    try {
      const file = join(dir, 'index.bin');
      writeHnswIndex(content, file);
      const index = readHnswIndex(content, file);
      const d = content.dimensions;
      const row = (item: number) => content.vectors.slice(item * d, (item + 1) * d);
      // 200 new items (the index was built full: it grows), each a copy of an old item's vector.
      index.setLeftOut(3001, true); // unavailable before it arrives: it stays out once added
      for (let i = 0; i < 200; i++) index.upsert(3000 + i, row(i));
      const near = (item: number) => index.search(row(item), 2).map((n) => n.item);
      expect(near(5).sort((a, b) => a - b)).toEqual([5, 3005]);
      expect(near(1)).not.toContain(3001);
      // Every item can be asked for (the count follows additions and items left out).
      expect(index.search(row(0), 3199)).toHaveLength(3199);
      // New text: item 3005 now has item 9's vector, and is no longer near item 5.
      index.upsert(3005, row(9));
      expect(near(9).sort((a, b) => a - b)).toEqual([9, 3005]);
      expect(near(5)).not.toContain(3005);
      // Text gone: out of searches; back: in again.
      index.remove(3009);
      expect(near(9)).not.toContain(3009);
      index.remove(3009); // twice: no error
      expect(index.search(row(0), 3198)).toHaveLength(3198);
      index.upsert(3009, row(9));
      // Items 9, 3005 and 3009 now have the same vector: the three are the nearest, ties by item.
      expect(index.search(row(9), 3).map((n) => n.item)).toEqual([9, 3005, 3009]);
      index.setLeftOut(3001, false);
      expect(near(1).sort((a, b) => a - b)).toEqual([1, 3001]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the settings in a content definition, validated, and refuses them elsewhere', async () => {
    await start();
    const hnsw = { m: 32, efConstruction: 100, efSearch: 600 };
    const put = await admin('PUT', '/v1/recommenders/similar', { method: 'content', hnsw });
    expect(put.statusCode, put.body).toBe(200);
    expect((await admin('GET', '/v1/recommenders/similar')).json()).toMatchObject({ hnsw });
    const blend = { method: 'blend', blend: [{ method: 'ease' }, { method: 'content' }] };
    const mixed = await admin('PUT', '/v1/recommenders/mixed', { ...blend, hnsw: { m: 8 } });
    expect(mixed.statusCode, mixed.body).toBe(200);
    for (const [body, message] of [
      [{ method: 'content', hnsw: { m: 2 } }, /hnsw\.m/],
      [{ method: 'content', hnsw: { efConstruction: 5000 } }, /hnsw\.efConstruction/],
      [{ method: 'content', hnsw: { efSearch: 1.5 } }, /hnsw\.efSearch/],
      [{ method: 'content', hnsw: { ef: 100 } }, /hnsw/],
      [{ method: 'ease', hnsw: { m: 32 } }, /hnsw: only a content recommender/],
      [{ method: 'blend', blend: [{ method: 'ease' }, { method: 'item-knn' }], hnsw: {} }, /hnsw/],
    ] as const) {
      const res = await admin('PUT', '/v1/recommenders/bad', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ message: string }>().message, JSON.stringify(body)).toMatch(message);
    }
  });
});
