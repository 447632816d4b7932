import type { ClusterModel } from '@tailor/core';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import type { ClusterAssignments, ClusteringStore, StoredClustering } from '../clustering-store.js';

/** This store's component in `schema_migrations`. */
export const CLUSTERING_COMPONENT = 'clusterings';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const CLUSTERING_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'clusterings',
    up: `CREATE TABLE IF NOT EXISTS clusterings (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS cluster_models (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS cluster_assignments (
           name TEXT NOT NULL, profile_id TEXT NOT NULL, cluster INTEGER NOT NULL,
           PRIMARY KEY (name, profile_id)) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS cluster_assignments_profile ON cluster_assignments (profile_id);
         CREATE INDEX IF NOT EXISTS cluster_assignments_cluster
           ON cluster_assignments (name, cluster, profile_id)`,
  },
];

/** Clusterings, their models and assignments in a SQLite file (state.sqlite), on a connection of their own. */
export function openSqliteClusteringStore(
  file: string,
  sqlite: SqliteOptions = {},
): ClusteringStore {
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, CLUSTERING_COMPONENT, CLUSTERING_MIGRATIONS);
  const q = {
    list: db.prepare('SELECT body FROM clusterings ORDER BY name'),
    get: db.prepare('SELECT body FROM clusterings WHERE name = ?'),
    put: db.prepare(
      'INSERT INTO clusterings (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
    ),
    delete: db.prepare('DELETE FROM clusterings WHERE name = ?'),
    deleteModel: db.prepare('DELETE FROM cluster_models WHERE name = ?'),
    deleteAssignments: db.prepare('DELETE FROM cluster_assignments WHERE name = ?'),
    models: db.prepare('SELECT body FROM cluster_models ORDER BY name'),
    model: db.prepare('SELECT body FROM cluster_models WHERE name = ?'),
    saveModel: db.prepare(
      'INSERT INTO cluster_models (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body',
    ),
    assign: db.prepare(
      'INSERT INTO cluster_assignments (name, profile_id, cluster) VALUES (?, ?, ?)',
    ),
    assignmentsOf: db.prepare(
      'SELECT name, cluster FROM cluster_assignments WHERE profile_id = ? ORDER BY name',
    ),
    members: db.prepare(
      'SELECT profile_id FROM cluster_assignments WHERE name = ? AND cluster = ? AND profile_id > ? ORDER BY profile_id LIMIT ?',
    ),
    erase: db.prepare('DELETE FROM cluster_assignments WHERE profile_id = ?'),
  };
  const text = (row: unknown) => (row as { body: string }).body;
  const readClustering = (row: unknown) => JSON.parse(text(row)) as StoredClustering;
  const readModel = (row: unknown) => JSON.parse(text(row)) as ClusterModel;
  const remove = db.transaction((name: string) => {
    q.deleteAssignments.run(name);
    q.deleteModel.run(name);
    return q.delete.run(name).changes > 0;
  });
  const save = db.transaction((model: ClusterModel, assignments?: ClusterAssignments) => {
    q.saveModel.run(model.clustering, JSON.stringify(model));
    if (assignments === undefined) return;
    q.deleteAssignments.run(model.clustering);
    assignments.profileIds.forEach((id, i) => {
      const cluster = assignments.clusters[i] ?? -1;
      if (cluster >= 0) q.assign.run(model.clustering, id, cluster);
    });
  });
  const erase = db.transaction((ids: readonly string[]) => {
    for (const id of ids) q.erase.run(id);
  });
  return {
    list: () => Promise.resolve(q.list.all().map((r) => readClustering(r))),
    get: (name) => {
      const row = q.get.get(name);
      return Promise.resolve(row === undefined ? undefined : readClustering(row));
    },
    put: (clustering) => {
      q.put.run(clustering.name, JSON.stringify(clustering));
      return Promise.resolve();
    },
    delete: (name) => Promise.resolve(remove(name)),
    models: () => Promise.resolve(q.models.all().map((r) => readModel(r))),
    model: (name) => {
      const row = q.model.get(name);
      return Promise.resolve(row === undefined ? undefined : readModel(row));
    },
    saveModel: (model, assignments) => {
      save(model, assignments);
      return Promise.resolve();
    },
    assignmentsOf: (profileId) =>
      Promise.resolve(
        Object.fromEntries(
          (q.assignmentsOf.all(profileId) as { name: string; cluster: number }[]).map((r) => [
            r.name,
            r.cluster,
          ]),
        ),
      ),
    members: (name, cluster, after, limit) => {
      const rows = q.members.all(name, cluster, after, limit + 1) as { profile_id: string }[];
      const profiles = rows.slice(0, limit).map((r) => r.profile_id);
      return Promise.resolve({
        profiles,
        next: rows.length > limit ? (profiles[profiles.length - 1] ?? null) : null,
      });
    },
    erase: (ids) => {
      erase(ids);
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
