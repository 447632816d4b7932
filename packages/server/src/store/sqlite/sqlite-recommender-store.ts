import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import type { RecommenderStore, StoredRecommender } from '../recommender-store.js';

/** This store's component in `schema_migrations`. */
export const RECOMMENDER_COMPONENT = 'recommenders';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const RECOMMENDER_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'definitions',
    up: 'CREATE TABLE IF NOT EXISTS recommenders (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID',
  },
];

/** Recommender definitions in a SQLite file (state.sqlite), on a connection of their own. */
export function openSqliteRecommenderStore(
  file: string,
  sqlite: SqliteOptions = {},
): RecommenderStore {
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, RECOMMENDER_COMPONENT, RECOMMENDER_MIGRATIONS);
  const q = {
    list: db.prepare('SELECT body FROM recommenders ORDER BY name'),
    get: db.prepare('SELECT body FROM recommenders WHERE name = ?'),
    put: db.prepare(
      'INSERT INTO recommenders (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
    ),
    delete: db.prepare('DELETE FROM recommenders WHERE name = ?'),
  };
  const parse = (row: unknown) => JSON.parse((row as { body: string }).body) as StoredRecommender;
  return {
    list: () => Promise.resolve(q.list.all().map(parse)),
    get: (name) => {
      const row = q.get.get(name);
      return Promise.resolve(row === undefined ? undefined : parse(row));
    },
    put: (recommender) => {
      q.put.run(recommender.name, JSON.stringify(recommender));
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(q.delete.run(name).changes > 0),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
