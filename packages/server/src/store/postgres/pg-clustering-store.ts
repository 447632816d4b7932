import type { ClusterModel } from '@tailor/core';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { ClusteringStore, StoredClustering } from '../clustering-store.js';

const CLUSTERING_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'clusterings',
    up: `CREATE TABLE clusterings (name text COLLATE "C" PRIMARY KEY, body json NOT NULL);
         CREATE TABLE cluster_models (name text COLLATE "C" PRIMARY KEY, body json NOT NULL);
         CREATE TABLE cluster_assignments (
           name text COLLATE "C" NOT NULL, profile_id text COLLATE "C" NOT NULL,
           cluster integer NOT NULL, PRIMARY KEY (name, profile_id));
         CREATE INDEX cluster_assignments_profile ON cluster_assignments (profile_id);
         CREATE INDEX cluster_assignments_cluster ON cluster_assignments (name, cluster, profile_id)`,
  },
];

/** Assignments written per statement. */
const CHUNK = 10_000;

/** Clusterings, their models and assignments in PostgreSQL, shared by every node. */
export async function openPgClusteringStore(db: PgDatabase): Promise<ClusteringStore> {
  await migratePostgres(db, 'clusterings', CLUSTERING_MIGRATIONS);
  return {
    list: async () =>
      (
        await db.query<{ body: StoredClustering }>('SELECT body FROM clusterings ORDER BY name')
      ).rows.map((r) => r.body),
    get: async (name) =>
      (
        await db.query<{ body: StoredClustering }>('SELECT body FROM clusterings WHERE name = $1', [
          name,
        ])
      ).rows[0]?.body,
    put: async (clustering) => {
      await db.query(
        `INSERT INTO clusterings (name, body) VALUES ($1, $2::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
        [clustering.name, JSON.stringify(clustering)],
      );
    },
    delete: (name) =>
      db.transaction(async (client) => {
        await client.query('DELETE FROM cluster_assignments WHERE name = $1', [name]);
        await client.query('DELETE FROM cluster_models WHERE name = $1', [name]);
        return (
          (await client.query('DELETE FROM clusterings WHERE name = $1', [name])).rowCount === 1
        );
      }),
    models: async () =>
      (
        await db.query<{ body: ClusterModel }>('SELECT body FROM cluster_models ORDER BY name')
      ).rows.map((r) => r.body),
    model: async (name) =>
      (
        await db.query<{ body: ClusterModel }>('SELECT body FROM cluster_models WHERE name = $1', [
          name,
        ])
      ).rows[0]?.body,
    saveModel: (model, assignments) =>
      db.transaction(async (client) => {
        const name = model.clustering;
        await client.query(
          `INSERT INTO cluster_models (name, body) VALUES ($1, $2::json)
           ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
          [name, JSON.stringify(model)],
        );
        if (assignments === undefined) return;
        await client.query('DELETE FROM cluster_assignments WHERE name = $1', [name]);
        for (let from = 0; from < assignments.profileIds.length; from += CHUNK) {
          const ids: string[] = [];
          const clusters: number[] = [];
          const to = Math.min(from + CHUNK, assignments.profileIds.length);
          for (let i = from; i < to; i++) {
            const cluster = assignments.clusters[i] ?? -1;
            if (cluster < 0) continue;
            ids.push(assignments.profileIds[i] as string);
            clusters.push(cluster);
          }
          await client.query(
            `INSERT INTO cluster_assignments (name, profile_id, cluster)
             SELECT $1, * FROM unnest($2::text[], $3::int[])`,
            [name, ids, clusters],
          );
        }
      }),
    assignmentsOf: async (profileId) =>
      Object.fromEntries(
        (
          await db.query<{ name: string; cluster: number }>(
            'SELECT name, cluster FROM cluster_assignments WHERE profile_id = $1 ORDER BY name',
            [profileId],
          )
        ).rows.map((r) => [r.name, r.cluster]),
      ),
    members: async (name, cluster, after, limit) => {
      const rows = (
        await db.query<{ profile_id: string }>(
          `SELECT profile_id FROM cluster_assignments
           WHERE name = $1 AND cluster = $2 AND profile_id > $3 ORDER BY profile_id LIMIT $4`,
          [name, cluster, after, limit + 1],
        )
      ).rows;
      const profiles = rows.slice(0, limit).map((r) => r.profile_id);
      return {
        profiles,
        next: rows.length > limit ? (profiles[profiles.length - 1] ?? null) : null,
      };
    },
    erase: async (ids) => {
      if (ids.length > 0)
        await db.query('DELETE FROM cluster_assignments WHERE profile_id = ANY($1::text[])', [
          [...ids],
        ]);
    },
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
