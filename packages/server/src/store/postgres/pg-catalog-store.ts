import type { CatalogItem } from '@tailor/core';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { CatalogStore } from '../catalog-store.js';

const CATALOG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'items',
    up: 'CREATE TABLE catalog_items (id text COLLATE "C" PRIMARY KEY, body json NOT NULL)',
  },
];

/** The catalogue in PostgreSQL, shared by every node. */
export async function openPgCatalogStore(db: PgDatabase): Promise<CatalogStore> {
  await migratePostgres(db, 'catalog', CATALOG_MIGRATIONS);
  return {
    getMany: async (ids) => {
      const { rows } = await db.query<{ id: string; body: CatalogItem }>(
        'SELECT id, body FROM catalog_items WHERE id = ANY($1::text[])',
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r.body]));
    },
    putMany: async (items) => {
      if (items.length === 0) return;
      // One statement: atomic, and unnest keeps it to two parameters however many items.
      await db.query(
        `INSERT INTO catalog_items (id, body)
         SELECT id, body::json FROM unnest($1::text[], $2::text[]) AS t(id, body)
         ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body`,
        [items.map((i) => i.id), items.map((i) => JSON.stringify(i))],
      );
    },
    list: async ({ after = '', limit }) =>
      (
        await db.query<{ body: CatalogItem }>(
          'SELECT body FROM catalog_items WHERE id > $1 ORDER BY id LIMIT $2',
          [after, limit],
        )
      ).rows.map((r) => r.body),
    count: async () =>
      Number(
        (await db.query<{ n: string }>('SELECT count(*) AS n FROM catalog_items')).rows[0]?.n ?? 0,
      ),
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
