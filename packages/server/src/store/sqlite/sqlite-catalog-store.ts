import type { CatalogItem } from '@tailor/core';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import type { CatalogStore } from '../catalog-store.js';

/** This store's component in `schema_migrations`. */
export const CATALOG_COMPONENT = 'catalog';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const CATALOG_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'items',
    up: 'CREATE TABLE IF NOT EXISTS catalog_items (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID',
  },
];

/** The catalogue in a SQLite file (state.sqlite), on a connection of its own. */
export function openSqliteCatalogStore(file: string, sqlite: SqliteOptions = {}): CatalogStore {
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, CATALOG_COMPONENT, CATALOG_MIGRATIONS);
  const q = {
    get: db.prepare('SELECT body FROM catalog_items WHERE id = ?'),
    put: db.prepare(
      'INSERT INTO catalog_items (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body',
    ),
    list: db.prepare('SELECT body FROM catalog_items WHERE id > ? ORDER BY id LIMIT ?'),
    count: db.prepare('SELECT count(*) AS n FROM catalog_items'),
  };
  const parse = (row: unknown) => JSON.parse((row as { body: string }).body) as CatalogItem;
  const putAll = db.transaction((items: readonly CatalogItem[]) => {
    for (const item of items) q.put.run(item.id, JSON.stringify(item));
  });
  return {
    getMany: (ids) => {
      const found = new Map<string, CatalogItem>();
      for (const id of ids) {
        const row = q.get.get(id);
        if (row !== undefined) found.set(id, parse(row));
      }
      return Promise.resolve(found);
    },
    putMany: (items) => {
      putAll(items);
      return Promise.resolve();
    },
    list: ({ after = '', limit }) => Promise.resolve(q.list.all(after, limit).map(parse)),
    count: () => Promise.resolve((q.count.get() as { n: number }).n),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
