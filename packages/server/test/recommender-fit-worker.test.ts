import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECOMMENDER_METHODS, exactSearch, idsOf, recommenderFrom } from '@tailor/core';
import {
  fitHere,
  workerFitter,
  type Fitted,
  type InteractionColumns,
} from '../src/recommend/fit-recommender.js';
import { readHnswSearch } from '../src/recommend/hnsw-search.js';

/** The built worker (`npm test` builds first: `tsc -b`), as `tailor serve` runs it. */
const WORKER = new URL('../dist/recommend/fit-worker.js', import.meta.url);

/**
 * 40 people over 12 items, with times (one unknown): each had items near a "taste" of theirs, in
 * two orders of two (what bought-together learns from).
 */
function interactions(): InteractionColumns {
  const columns: InteractionColumns = {
    users: [],
    items: [],
    times: new Float64Array(160),
    baskets: [],
  };
  for (let u = 0; u < 40; u++)
    for (let k = 0; k < 4; k++) {
      columns.users.push(`u${u}`);
      columns.baskets?.push(`o${u}-${k >> 1}`);
      columns.items.push(`i${(u % 6) * 2 + ((u * k) % 3)}`);
      columns.times[u * 4 + k] = u === 7 ? Number.NaN : u * 3_600_000 + k;
    }
  return columns;
}

/** A fit with its ids as arrays: each id table is hashed from a seed of its own. */
function comparable({ matrix, ...rest }: Fitted) {
  return {
    ...rest,
    matrix: { ...matrix, userIds: idsOf(matrix.userIds), itemIds: idsOf(matrix.itemIds) },
  };
}

describe('fitting on a worker thread', () => {
  it.each(RECOMMENDER_METHODS)(
    '%s: the same matrix and parameters, so the same scores, as fitting here',
    async (method) => {
      const options = { popularityHalfLifeDays: 2, easeHalfLifeDays: 3 };
      const here = await fitHere({ interactions: interactions(), method, options });
      const there = await workerFitter(WORKER)({ interactions: interactions(), method, options });
      if (!here.ok || !there.ok) throw new Error('fit failed');
      expect(comparable(there.value)).toEqual(comparable(here.value));
      const { matrix } = here.value;
      expect(matrix.userIds).toHaveLength(40);
      const a = recommenderFrom(matrix, here.value.parameters, options);
      const b = recommenderFrom(there.value.matrix, there.value.parameters, options);
      const sa = new Float64Array(matrix.itemIds.length);
      const sb = new Float64Array(matrix.itemIds.length);
      for (let u = -1; u < matrix.userIds.length; u++) {
        a.score(u, sa);
        b.score(u, sb);
        expect(sb).toEqual(sa);
      }
    },
  );

  it('content: the same item vectors from the catalogue text, new items included', async () => {
    const contentOf = new Map(
      Array.from({ length: 14 }, (_, i) => [
        `i${i}`,
        { name: `item ${i} ${i % 2 === 0 ? 'red mug' : 'white lantern'}`, category: `c${i % 3}` },
      ]),
    );
    const request = () => ({
      interactions: interactions(),
      method: 'content' as const,
      options: {},
      contentOf,
    });
    const here = await fitHere(request());
    const there = await workerFitter(WORKER)(request());
    if (!here.ok || !there.ok) throw new Error('fit failed');
    expect(comparable(there.value)).toEqual(comparable(here.value));
    // i12 and i13 nobody had: in the matrix all the same, with vectors.
    expect(here.value.matrix.itemIds).toHaveLength(14);
    if (here.value.parameters.method !== 'content') throw new Error('not content');
    expect(Array.from(here.value.parameters.content.known)).toEqual(new Array(14).fill(1));
  });

  it('content past exactUpTo: the worker builds the HNSW index and writes it for the request thread', async () => {
    const contentOf = new Map(
      Array.from({ length: 14 }, (_, i) => [
        `i${i}`,
        { name: `item ${i} ${i % 2 === 0 ? 'red mug' : 'white lantern'} w${i % 5}` },
      ]),
    );
    const dir = mkdtempSync(join(tmpdir(), 'tailor-hnsw-test-'));
    try {
      const file = join(dir, 'index.bin');
      const request = (exactUpTo: number) => ({
        interactions: interactions(),
        method: 'content' as const,
        options: {},
        contentOf,
        index: { file, exactUpTo },
      });
      const small = await workerFitter(WORKER)(request(14));
      expect(small.ok && small.value.indexFile).toBe(undefined);
      expect(existsSync(file)).toBe(false);
      const large = await workerFitter(WORKER)(request(5));
      if (!large.ok || large.value.parameters.method !== 'content') throw new Error('fit failed');
      expect(large.value.indexFile).toBe(file);
      const { content } = large.value.parameters;
      const approximate = readHnswSearch(content, file);
      const exact = exactSearch(content);
      // 14 items: the graph reaches every one, so the search is exact (ties in any order).
      for (let item = 0; item < 14; item++) {
        const { dimensions } = content;
        const query = content.vectors.slice(item * dimensions, (item + 1) * dimensions);
        const found = approximate(query, 5).map((n) => n.similarity);
        exact(query, 5).forEach((n, i) => {
          expect(found[i]).toBeCloseTo(n.similarity, 5);
        });
      }
      // The definition's settings reach the graph the worker builds: room for 2·M links an item at
      // the base layer (4 bytes each), and a few items' upper layers.
      const denser = join(dir, 'denser.bin');
      const dense = await workerFitter(WORKER)({
        ...request(5),
        index: { file: denser, exactUpTo: 5, settings: { m: 48 } },
      });
      expect(dense.ok && dense.value.indexFile).toBe(denser);
      const grown = statSync(denser).size - statSync(file).size;
      expect(grown).toBeGreaterThanOrEqual(14 * (96 - 32) * 4 * 0.9);
      expect(grown).toBeLessThan(14 * (96 - 32) * 4 * 1.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at once when asked (the server closing)', async () => {
    const stop = new AbortController();
    const fitting = workerFitter(WORKER)(
      { interactions: interactions(), method: 'ease', options: {} },
      stop.signal,
    );
    stop.abort();
    expect(await fitting).toEqual({ ok: false, error: 'stopped' });
  });
});
