import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { RecommenderStore, StoredRecommender } from '../recommender-store.js';

const RECOMMENDER_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'definitions',
    up: 'CREATE TABLE recommenders (name text COLLATE "C" PRIMARY KEY, body json NOT NULL)',
  },
];

/** Recommender definitions in PostgreSQL, shared by every node. */
export async function openPgRecommenderStore(db: PgDatabase): Promise<RecommenderStore> {
  await migratePostgres(db, 'recommenders', RECOMMENDER_MIGRATIONS);
  return {
    list: async () =>
      (
        await db.query<{ body: StoredRecommender }>('SELECT body FROM recommenders ORDER BY name')
      ).rows.map((r) => r.body),
    get: async (name) =>
      (
        await db.query<{ body: StoredRecommender }>(
          'SELECT body FROM recommenders WHERE name = $1',
          [name],
        )
      ).rows[0]?.body,
    put: async (recommender) => {
      await db.query(
        `INSERT INTO recommenders (name, body) VALUES ($1, $2::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
        [recommender.name, JSON.stringify(recommender)],
      );
    },
    delete: async (name) =>
      (await db.query('DELETE FROM recommenders WHERE name = $1', [name])).rowCount === 1,
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
