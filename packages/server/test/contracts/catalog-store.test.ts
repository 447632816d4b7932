import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogItem } from '@tailor/core';
import type { CatalogStore } from '../../src/store/catalog-store.js';
import { openPgCatalogStore } from '../../src/store/postgres/pg-catalog-store.js';
import { openSqliteCatalogStore } from '../../src/store/sqlite/sqlite-catalog-store.js';
import { openTestDatabase } from '../support/postgres.js';

type Open = () => Promise<{ store: CatalogStore; dispose: () => Promise<void> }>;

const BACKENDS: [string, Open][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tailor-catalog-'));
      const store = openSqliteCatalogStore(join(dir, 'state.sqlite'));
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
      return { store: await openPgCatalogStore(db), dispose: () => db.close() };
    },
  ],
];

const item = (id: string, extra: Partial<CatalogItem> = {}): CatalogItem => ({
  id,
  available: true,
  source: 'api',
  updatedAt: '2026-12-05T12:00:00.000Z',
  ...extra,
});

describe.each(BACKENDS)('catalog store on %s', (_name, open) => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
  });

  it('keeps items by id, replaces them, pages them in byte order and counts them', async () => {
    const opened = await open();
    dispose = opened.dispose;
    const { store } = opened;
    expect((await store.getMany(['a'])).size).toBe(0);
    await store.putMany([
      item('b', { name: 'Uno', attributes: { colour: 'red', new: true, stars: 4.5 } }),
      item('a'),
      item('Z', { available: false }),
    ]);
    await store.putMany([item('a', { price: 3, category: 'Games' })]);
    await store.putMany([]);
    const found = await store.getMany(['a', 'b', 'missing']);
    expect([...found.keys()].sort()).toEqual(['a', 'b']);
    expect(found.get('a')).toEqual(item('a', { price: 3, category: 'Games' }));
    expect(found.get('b')?.attributes).toEqual({ colour: 'red', new: true, stars: 4.5 });
    expect((await store.list({ limit: 2 })).map((i) => i.id)).toEqual(['Z', 'a']);
    expect((await store.list({ after: 'a', limit: 2 })).map((i) => i.id)).toEqual(['b']);
    expect(await store.count()).toBe(3);
  });
});
