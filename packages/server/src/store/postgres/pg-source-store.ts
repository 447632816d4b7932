import type { Sealer } from '../../privacy/sealer.js';
import { sealedValues } from '../../privacy/sealed-values.js';
import type { SourceBody, SourceStatus } from '../../sources/source.schema.js';
import type { SourceStore, StoredSource } from '../../sources/source-store.js';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import { bytes } from './pg-bytes.js';

const SOURCE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'sources',
    up: `CREATE TABLE sources (
           name text COLLATE "C" PRIMARY KEY, body json NOT NULL, url bytea NOT NULL, status json NOT NULL
         )`,
  },
];

interface Row {
  name: string;
  body: Omit<SourceBody, 'url'>;
  url: Buffer;
  status: SourceStatus;
}

/** Sources in PostgreSQL, shared by every node; the connection URL sealed for its row. */
export async function openPgSourceStore(db: PgDatabase, sealer: Sealer): Promise<SourceStore> {
  const sealed = sealedValues(sealer);
  await migratePostgres(db, 'sources', SOURCE_MIGRATIONS);
  const parse = (row: Row): StoredSource => ({
    name: row.name,
    body: { ...row.body, url: sealed.sourceUrl.open(row.name, row.url) },
    status: row.status,
  });
  return {
    list: async () => (await db.query<Row>('SELECT * FROM sources ORDER BY name')).rows.map(parse),
    get: async (name) => {
      const row = (await db.query<Row>('SELECT * FROM sources WHERE name = $1', [name])).rows[0];
      return row === undefined ? undefined : parse(row);
    },
    put: async ({ name, body: { url, ...rest }, status }) => {
      await db.query(
        `INSERT INTO sources (name, body, url, status) VALUES ($1, $2::json, $3, $4::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body, url = EXCLUDED.url, status = EXCLUDED.status`,
        [
          name,
          JSON.stringify(rest),
          bytes(sealed.sourceUrl.seal(name, url)),
          JSON.stringify(status),
        ],
      );
    },
    setStatus: async (name, status) => {
      await db.query('UPDATE sources SET status = $1::json WHERE name = $2', [
        JSON.stringify(status),
        name,
      ]);
    },
    delete: async (name) =>
      (await db.query('DELETE FROM sources WHERE name = $1', [name])).rowCount === 1,
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
