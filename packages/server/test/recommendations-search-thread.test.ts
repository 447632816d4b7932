import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  idAt,
  indexOfId,
  recommendItems,
  recommenderFrom,
  type ContentVectors,
  type Recommendations,
} from '@tailor/core';
import { readHnswIndex, writeHnswIndex } from '../src/recommend/hnsw-search.js';
import type { TrainedRecommender } from '../src/recommend/recommender-training.js';
import type { RecommendFor } from '../src/recommend/recommenders.js';
import { SearchThread } from '../src/recommend/search-thread.js';
import { startTestTailor, type TestTailor } from './support/test-tailor.js';
import { SHOP_CLOCK, viewed } from './support/recommendation-shop.js';

/** The built worker (`npm test` builds first: `tsc -b`), as `tailor serve` runs it. */
const WORKER = new URL('../dist/recommend/search-worker.js', import.meta.url);

/** `n` unit vectors of `dimensions` from a fixed sequence (a linear congruential generator). */
function vectorsOf(n: number, dimensions: number): ContentVectors {
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  const vectors = new Float32Array(n * dimensions);
  const known = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const row = vectors.subarray(i * dimensions, (i + 1) * dimensions);
    for (let d = 0; d < dimensions; d++) row[d] = random();
    const norm = Math.hypot(...row);
    for (let d = 0; d < dimensions; d++) row[d] = (row[d] ?? 0) / norm;
  }
  return { dimensions, vectors, known };
}

describe('the search thread', () => {
  it('answers as the index searched here, through items left out, added and taken out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-search-thread-'));
    const errors: unknown[] = [];
    const thread = new SearchThread(WORKER, (_, error) => errors.push(error));
    try {
      const content = vectorsOf(2000, 16);
      const file = join(dir, 'index.bin');
      writeHnswIndex(content, file);
      const here = readHnswIndex(content, file);
      const there = await thread.open(content, file, {});
      // The thread reads the serving thread's rows: the vectors were moved to shared memory.
      expect(content.vectors.buffer).toBeInstanceOf(SharedArrayBuffer);
      const queries = vectorsOf(2010, 16).vectors.subarray(2000 * 16);
      const same = async (): Promise<number[]> => {
        const firsts: number[] = [];
        for (let q = 0; q < 10; q++) {
          const query = queries.subarray(q * 16, (q + 1) * 16);
          const local = here.search(query, 30);
          const remote = await there.search(query, 30);
          expect([...remote.items]).toEqual(local.map((n) => n.item));
          expect([...remote.similarities]).toEqual(local.map((n) => n.similarity));
          firsts.push(local[0]?.item ?? -1);
        }
        return firsts;
      };
      const firsts = await same();
      // The first query's nearest item left out, a new item just like the second query added,
      // and the third query's nearest taken out: on both, in the order given.
      const [gone, , removed] = firsts as [number, number, number];
      const added = Float32Array.from(queries.subarray(16, 32));
      for (const index of [here, there]) {
        index.setLeftOut(gone, true);
        index.upsert(2000, added);
        index.remove(removed);
      }
      const after = await same();
      expect(after[0]).not.toBe(gone);
      expect(after[1]).toBe(2000);
      expect(after[2]).not.toBe(removed);
      for (const index of [here, there]) index.setLeftOut(gone, false);
      expect((await same())[0]).toBe(gone);
      expect(there.backlog()).toBe(0);
      // Opened with items left out (a training's unavailable items, in one message): the same
      // answers as leaving them out one by one.
      const leftOut = new Uint8Array(2000);
      for (const item of firsts) leftOut[item] = 1;
      const opened = await thread.open(content, file, {}, leftOut);
      const each = readHnswIndex(content, file);
      for (const item of firsts) each.setLeftOut(item, true);
      for (let q = 0; q < 10; q++) {
        const query = queries.subarray(q * 16, (q + 1) * 16);
        const found = [...(await opened.search(query, 30)).items];
        expect(found).toEqual(each.search(query, 30).map((n) => n.item));
        expect(found).not.toContain(firsts[q]);
      }
      expect(errors).toEqual([]);
    } finally {
      await thread.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the searches waiting when it is stopped, and starts again for the next index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-search-thread-'));
    const thread = new SearchThread(WORKER, () => undefined);
    try {
      const content = vectorsOf(500, 8);
      const file = join(dir, 'index.bin');
      writeHnswIndex(content, file);
      const first = await thread.open(content, file, {});
      const query = content.vectors.slice(0, 8);
      const waiting = expect(first.search(query, 5)).rejects.toThrow(/stopped/);
      await thread.close();
      await waiting;
      // A new thread holds none of the old one's indexes; an index opened again is searched there.
      await expect(first.search(query, 5)).rejects.toThrow(/no such index/);
      const again = await thread.open(content, file, {});
      expect((await again.search(query, 5)).items[0]).toBe(0);
    } finally {
      await thread.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

let t: TestTailor | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Lanterns and candle holders: what Ann's lists and Carol's pages are about. */
const SHOP_ITEMS = [
  { id: 'lantern', name: 'White metal lantern' },
  { id: 'tlight', name: 'White hanging heart t-light holder' },
  { id: 'lantern-red', name: 'Red metal lantern' },
  { id: 'heart-holder', name: 'Hanging heart candle holder' },
  { id: 'white-heart', name: 'White heart wicker' },
  { id: 'metal-sign', name: 'Metal sign white' },
  { id: 'candle', name: 'Candle holder lantern red' },
];

/**
 * Tailor with a content recommender over 6,000 filler items (above exact search's 5,000, so it has
 * an HNSW index, on the search thread) whose words no one views, and SHOP_ITEMS; Ann viewed the
 * lantern.
 */
async function content(): Promise<TestTailor> {
  const tailor = await startTestTailor({}, () => SHOP_CLOCK, {
    recommenderSearch: new SearchThread(WORKER, (message, error) => {
      throw new Error(`${message}: ${String(error)}`);
    }),
  });
  const filler = Array.from({ length: 6000 }, (_, i) => ({
    id: `f${i}`,
    name: `w${i % 97} w${(i * 7) % 89} w${(i * 13) % 83}`,
  }));
  for (const part of [filler.slice(0, 3000), filler.slice(3000), SHOP_ITEMS]) {
    const put = await tailor.admin('PUT', '/v1/catalog/items', part);
    expect(put.statusCode, put.body).toBe(200);
  }
  await tailor.collect([viewed('ann', 'lantern', 50), viewed('bob', 'f1', 40)]);
  const put = await tailor.admin('PUT', '/v1/recommenders/shop', { method: 'content', k: 3 });
  expect(put.statusCode, put.body).toBe(200);
  const train = await tailor.admin('POST', '/v1/recommenders/shop/train');
  expect(train.statusCode, train.body).toBe(200);
  return tailor;
}

function served(tailor: TestTailor): TrainedRecommender {
  // The model served now, read from the recommenders' memory.
  const models = (
    tailor.tailor.recommenders as unknown as { models: Map<string, TrainedRecommender> }
  ).models;
  const trained = models.get('shop');
  if (trained?.relay === undefined) throw new Error('no model searched on the search thread');
  return trained;
}

/**
 * The list the served model makes searching every item exactly, on this thread: the reference.
 * `items`: a page's product ids, had just now.
 */
async function exactly(
  tailor: TestTailor,
  userId: string,
  k: number,
  items: string[] = [],
): Promise<string[]> {
  const trained = served(tailor);
  const profile = await tailor.tailor.profiles.byIdentifier({ type: 'userId', value: userId });
  const key = `p:${profile?.id}`;
  const exact = recommenderFrom(trained.matrix, trained.parameters, trained.options);
  const { userIds, itemIds } = trained.matrix;
  const row = indexOfId(userIds, key);
  const recent = [...(trained.recent.get(key) ?? []), ...items.map((id) => indexOfId(itemIds, id))];
  return recommendItems(trained.matrix, exact, row, k, undefined, recent).map(
    (r) => idAt(itemIds, r.item) as string,
  );
}

const itemsOf = (r: Recommendations | undefined) => r?.items.map((i) => i.item);

/** Ann's row keys, once her list was made ahead after training (the synchronous answer is hers). */
async function annMadeAhead(tailor: TestTailor): Promise<RecommendFor> {
  const profile = await tailor.tailor.profiles.byIdentifier({ type: 'userId', value: 'ann' });
  const ann = { keys: [`p:${profile?.id}`], personal: true };
  await vi.waitFor(
    () => {
      expect(tailor.tailor.recommenders.recommend('shop', ann, 3)?.basis).toBe('person');
    },
    { timeout: 5000, interval: 20 },
  );
  return ann;
}

describe('a content model searched on the search thread', () => {
  it('makes known people’s lists ahead after training, the same lists as an exact search', async () => {
    t = await content();
    const tailor = t;
    // Without asking, her list is made ahead.
    const ann = await annMadeAhead(tailor);
    const expected = await exactly(tailor, 'ann', 3);
    expect(expected).toEqual(['metal-sign', 'lantern-red', 'white-heart']);
    expect(itemsOf(tailor.tailor.recommenders.recommend('shop', ann, 3))).toEqual(expected);
    const res = await tailor.admin('GET', '/v1/recommendations/shop?userId=ann&k=3');
    expect(res.json<Recommendations>().items.map((i) => i.item)).toEqual(expected);
  });

  it('waits in decide and the route for a list not made yet, and serves it', async () => {
    t = await content();
    // A person the training did not see, with a page's items: no list of theirs was made ahead.
    const res = await t.admin('GET', '/v1/recommendations/shop?userId=carol&items=tlight&k=3');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Recommendations>()).toMatchObject({ basis: 'items', personalized: true });
    const carol = await exactly(t, 'carol', 3, ['tlight']);
    expect(carol).toContain('heart-holder');
    expect(itemsOf(res.json<Recommendations>())).toEqual(carol);
    const put = await t.admin('PUT', '/v1/placements/recs', {
      items: [
        { id: 'list', template: '{% for r in recommendations.shop %}{{ r.item }} {% endfor %}' },
      ],
      default: { id: 'none', template: '' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const decided = await t.admin('POST', '/v1/decide', {
      userId: 'ann',
      placements: ['recs'],
      context: { items: ['white-heart'] },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    const [decision] = decided.json<{ decisions: { content: string }[] }>().decisions;
    const expected = await exactly(t, 'ann', 3, ['white-heart']);
    expect(expected).not.toContain('white-heart');
    expect(decision?.content.trim().split(' ')).toEqual(expected);
  });

  it('stands in the last list while a new one is made ahead, then serves the new one', async () => {
    t = await content();
    const tailor = t;
    const recommenders = tailor.tailor.recommenders;
    const ann = await annMadeAhead(tailor);
    const before = itemsOf(recommenders.recommend('shop', ann, 3));
    // Ann views the red lantern: the follower reads it and her list is made again ahead.
    await tailor.collect([viewed('ann', 'lantern-red', 55)]);
    await recommenders.followLog();
    const now = itemsOf(recommenders.recommend('shop', ann, 3));
    const after = await exactly(tailor, 'ann', 3);
    expect(after).not.toContain('lantern-red');
    expect(after).not.toEqual(before);
    // At once: her last search's answer without what she just viewed stands in (its best two
    // are her last list's others), or her new list if made already.
    if (JSON.stringify(now) !== JSON.stringify(after))
      expect(now?.slice(0, 2)).toEqual(before?.filter((i) => i !== 'lantern-red').slice(0, 2));
    // A decision within STAND_IN_MS does not wait for it.
    expect(recommenders.prepare('shop', ann, 3)).toBeUndefined();
    await vi.waitFor(
      () => {
        expect(itemsOf(recommenders.recommend('shop', ann, 3))).toEqual(after);
      },
      {
        timeout: 5000,
        interval: 20,
      },
    );
  });

  it('keeps its searches through availability changes, and searches again when an item comes back', async () => {
    t = await content();
    const tailor = t;
    const trained = served(tailor);
    await annMadeAhead(tailor);
    const search = vi.spyOn(trained.relay!.index, 'search');
    const list = async () =>
      itemsOf((await tailor.admin('GET', '/v1/recommendations/shop?userId=ann&k=3')).json());
    const first = await list();
    const searches = search.mock.calls.length;
    // A PUT replaces the item: its text given again, so only its availability changes.
    const item = SHOP_ITEMS.find(({ id }) => id === first?.[0]);
    const put = await tailor.admin('PUT', '/v1/catalog/items', [{ ...item, available: false }]);
    expect(put.statusCode, put.body).toBe(200);
    const without = await list();
    expect(without).not.toContain(first?.[0]);
    expect(without?.slice(0, 2)).toEqual(first?.slice(1));
    expect(search.mock.calls.length).toBe(searches);
    await tailor.admin('PUT', '/v1/catalog/items', [{ ...item, available: true }]);
    expect(await list()).toEqual(first);
    expect(search.mock.calls.length).toBe(searches + 1);
  });

  it('serves the popular items at once while the thread is too busy to wait for, then the list', async () => {
    t = await content();
    const tailor = t;
    const index = served(tailor).relay!.index;
    const backlog = vi.spyOn(index, 'backlog').mockReturnValue(40);
    const search = vi.spyOn(index, 'search');
    const ask = async () =>
      (
        await tailor.admin('GET', '/v1/recommendations/shop?userId=carol&items=tlight&k=3')
      ).json<Recommendations>();
    const busy = await ask();
    expect(busy).toMatchObject({ basis: 'popular', personalized: false });
    // Nothing was queued behind the busy thread.
    expect(search).not.toHaveBeenCalled();
    backlog.mockRestore();
    // Once it is not busy, the list is searched for and served.
    const carol = await exactly(tailor, 'carol', 3, ['tlight']);
    await vi.waitFor(
      async () => {
        expect(itemsOf(await ask())).toEqual(carol);
      },
      { timeout: 5000, interval: 20 },
    );
  });
});
