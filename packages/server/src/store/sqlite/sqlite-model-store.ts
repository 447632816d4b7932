import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../model-store.js';

/** This store's component in `schema_migrations`. */
export const MODEL_COMPONENT = 'models';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const MODEL_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'registry',
    up: `CREATE TABLE IF NOT EXISTS models (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS model_versions (
           name TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
           PRIMARY KEY (name, version)) WITHOUT ROWID`,
  },
  {
    version: 2,
    name: 'job state',
    up: `CREATE TABLE IF NOT EXISTS model_jobs (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID`,
  },
];

/** The model registry in a SQLite file (state.sqlite), on a connection of its own. */
export function openSqliteModelStore(file: string, sqlite: SqliteOptions = {}): ModelStore {
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, MODEL_COMPONENT, MODEL_MIGRATIONS);
  const q = {
    list: db.prepare('SELECT body FROM models ORDER BY name'),
    get: db.prepare('SELECT body FROM models WHERE name = ?'),
    put: db.prepare(
      'INSERT INTO models (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
    ),
    delete: db.prepare('DELETE FROM models WHERE name = ?'),
    deleteVersions: db.prepare('DELETE FROM model_versions WHERE name = ?'),
    versions: db.prepare('SELECT body FROM model_versions WHERE name = ? ORDER BY version'),
    version: db.prepare('SELECT body FROM model_versions WHERE name = ? AND version = ?'),
    last: db.prepare('SELECT max(version) AS last FROM model_versions WHERE name = ?'),
    addVersion: db.prepare('INSERT INTO model_versions (name, version, body) VALUES (?, ?, ?)'),
    trainedAts: db.prepare(
      "SELECT json_extract(body, '$.trainedAt') AS at FROM model_versions WHERE name = ?",
    ),
    jobState: db.prepare('SELECT body FROM model_jobs WHERE name = ?'),
    saveJobState: db.prepare(
      'INSERT INTO model_jobs (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
    ),
  };
  const text = (row: unknown) => (row as { body: string }).body;
  const model = (row: unknown) => JSON.parse(text(row)) as StoredModel;
  const trained = (row: unknown) => JSON.parse(text(row)) as StoredModelVersion;
  const remove = db.transaction((name: string) => {
    q.deleteVersions.run(name);
    return q.delete.run(name).changes > 0;
  });
  const add = db.transaction(
    (name: string, version: Omit<StoredModelVersion, 'version'>, unlessSince?: string) => {
      if (
        unlessSince !== undefined &&
        (q.trainedAts.all(name) as { at: string }[]).some(
          (r) => Date.parse(r.at) >= Date.parse(unlessSince),
        )
      )
        return undefined;
      const last = (q.last.get(name) as { last: number | null }).last ?? 0;
      q.addVersion.run(name, last + 1, JSON.stringify({ ...version, version: last + 1 }));
      return last + 1;
    },
  );
  return {
    list: () => Promise.resolve(q.list.all().map((r) => model(r))),
    get: (name) => {
      const row = q.get.get(name);
      return Promise.resolve(row === undefined ? undefined : model(row));
    },
    put: (model) => {
      q.put.run(model.name, JSON.stringify(model));
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(remove(name)),
    versions: (name) => Promise.resolve(q.versions.all(name).map((r) => trained(r))),
    version: (name, version) => {
      const row = q.version.get(name, version);
      return Promise.resolve(row === undefined ? undefined : trained(row));
    },
    addVersion: (name, version, unlessSince) => Promise.resolve(add(name, version, unlessSince)),
    jobState: (job) => {
      const row = q.jobState.get(job);
      return Promise.resolve(row === undefined ? undefined : (JSON.parse(text(row)) as unknown));
    },
    saveJobState: (job, state) => {
      q.saveJobState.run(job, JSON.stringify(state));
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
