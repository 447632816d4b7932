import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgRecommenderStore } from '../../src/store/postgres/pg-recommender-store.js';
import type { RecommenderStore, StoredRecommender } from '../../src/store/recommender-store.js';
import { openSqliteRecommenderStore } from '../../src/store/sqlite/sqlite-recommender-store.js';
import { openTestDatabase } from '../support/postgres.js';

type Open = () => Promise<{ store: RecommenderStore; dispose: () => Promise<void> }>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-recommenders-'));
      const store = openSqliteRecommenderStore(join(dir, 'state.sqlite'));
      return Promise.resolve({
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  ],
  [
    'postgres',
    async () => {
      const db = await openTestDatabase();
      return { store: await openPgRecommenderStore(db), dispose: () => db.close() };
    },
  ],
];

const shop = (version: number): StoredRecommender => ({
  name: 'shop',
  method: 'ease',
  events: ['Order Completed'],
  halfLifeDays: 30,
  version,
  createdAt: '2026-11-29T12:00:00.000Z',
  updatedAt: '2026-11-29T12:00:00.000Z',
});

describe.each(BACKENDS)('recommender store on %s', (_name, open) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
  });

  it('keeps definitions by name, replaces, lists in byte order and deletes', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    expect(await store.get('shop')).toBeUndefined();
    await store.put(shop(1));
    await store.put(shop(2));
    await store.put({ ...shop(1), name: 'Zed', method: 'popularity' });
    expect(await store.get('shop')).toEqual(shop(2));
    expect((await store.list()).map((r) => r.name)).toEqual(['Zed', 'shop']);
    expect(await store.delete('shop')).toBe(true);
    expect(await store.delete('shop')).toBe(false);
    expect((await store.list()).map((r) => r.name)).toEqual(['Zed']);
  });
});
