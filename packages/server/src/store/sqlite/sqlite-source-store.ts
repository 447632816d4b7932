import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import type { Sealer } from '../../privacy/sealer.js';
import { sealedValues } from '../../privacy/sealed-values.js';
import type { SourceBody, SourceStatus } from '../../sources/source.schema.js';
import type { SourceStore, StoredSource } from '../../sources/source-store.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** This store's component in `schema_migrations`. */
export const SOURCE_COMPONENT = 'sources';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const SOURCE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'sources',
    up: `CREATE TABLE IF NOT EXISTS sources (
           name TEXT PRIMARY KEY, body TEXT NOT NULL, url BLOB NOT NULL, status TEXT NOT NULL
         ) WITHOUT ROWID`,
  },
];

interface Row {
  name: string;
  body: string;
  url: string | Buffer;
  status: string;
}

/** Sources in a SQLite file (state.sqlite), the connection URL sealed for its row. */
export function openSqliteSourceStore(
  file: string,
  sealer: Sealer,
  sqlite: SqliteOptions = {},
): SourceStore {
  const sealed = sealedValues(sealer);
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, SOURCE_COMPONENT, SOURCE_MIGRATIONS);
  const q = {
    list: db.prepare('SELECT * FROM sources ORDER BY name'),
    get: db.prepare('SELECT * FROM sources WHERE name = ?'),
    put: db.prepare(
      `INSERT INTO sources (name, body, url, status) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET body = excluded.body, url = excluded.url, status = excluded.status`,
    ),
    status: db.prepare('UPDATE sources SET status = ? WHERE name = ?'),
    delete: db.prepare('DELETE FROM sources WHERE name = ?'),
  };
  const parse = (row: Row): StoredSource => ({
    name: row.name,
    body: {
      ...(JSON.parse(row.body) as Omit<SourceBody, 'url'>),
      url: sealed.sourceUrl.open(row.name, row.url),
    },
    status: JSON.parse(row.status) as SourceStatus,
  });
  return {
    list: () => Promise.resolve((q.list.all() as Row[]).map(parse)),
    get: (name) => {
      const row = q.get.get(name) as Row | undefined;
      return Promise.resolve(row === undefined ? undefined : parse(row));
    },
    put: ({ name, body: { url, ...rest }, status }) => {
      q.put.run(
        name,
        JSON.stringify(rest),
        sealed.sourceUrl.seal(name, url),
        JSON.stringify(status),
      );
      return Promise.resolve();
    },
    setStatus: (name, status) => {
      q.status.run(JSON.stringify(status), name);
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(q.delete.run(name).changes > 0),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
