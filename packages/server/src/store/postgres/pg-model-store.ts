import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { ModelStore, StoredModel, StoredModelVersion } from '../model-store.js';

const MODEL_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'registry',
    up: `CREATE TABLE models (name text COLLATE "C" PRIMARY KEY, body json NOT NULL);
         CREATE TABLE model_versions (
           name text COLLATE "C" NOT NULL, version integer NOT NULL, body json NOT NULL,
           PRIMARY KEY (name, version))`,
  },
  {
    version: 2,
    name: 'job state',
    up: `CREATE TABLE model_jobs (name text COLLATE "C" PRIMARY KEY, body json NOT NULL)`,
  },
];

/** The model registry in PostgreSQL, shared by every node. */
export async function openPgModelStore(db: PgDatabase): Promise<ModelStore> {
  await migratePostgres(db, 'models', MODEL_MIGRATIONS);
  return {
    list: async () =>
      (await db.query<{ body: StoredModel }>('SELECT body FROM models ORDER BY name')).rows.map(
        (r) => r.body,
      ),
    get: async (name) =>
      (await db.query<{ body: StoredModel }>('SELECT body FROM models WHERE name = $1', [name]))
        .rows[0]?.body,
    put: async (model) => {
      await db.query(
        `INSERT INTO models (name, body) VALUES ($1, $2::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
        [model.name, JSON.stringify(model)],
      );
    },
    delete: (name) =>
      db.transaction(async (client) => {
        await client.query('DELETE FROM model_versions WHERE name = $1', [name]);
        return (await client.query('DELETE FROM models WHERE name = $1', [name])).rowCount === 1;
      }),
    versions: async (name) =>
      (
        await db.query<{ body: StoredModelVersion }>(
          'SELECT body FROM model_versions WHERE name = $1 ORDER BY version',
          [name],
        )
      ).rows.map((r) => r.body),
    version: async (name, version) =>
      (
        await db.query<{ body: StoredModelVersion }>(
          'SELECT body FROM model_versions WHERE name = $1 AND version = $2',
          [name, version],
        )
      ).rows[0]?.body,
    // Serializable: two nodes training the same model at once take different numbers, and a
    // scheduled training records nothing once another recorded a version since it began.
    addVersion: (name, version, unlessSince) =>
      db.transaction(async (client) => {
        if (unlessSince !== undefined) {
          const { rows } = await client.query<{ at: string }>(
            "SELECT body->>'trainedAt' AS at FROM model_versions WHERE name = $1",
            [name],
          );
          if (rows.some((r) => Date.parse(r.at) >= Date.parse(unlessSince))) return undefined;
        }
        const last =
          (
            await client.query<{ last: number | null }>(
              'SELECT max(version) AS last FROM model_versions WHERE name = $1',
              [name],
            )
          ).rows[0]?.last ?? 0;
        await client.query(
          'INSERT INTO model_versions (name, version, body) VALUES ($1, $2, $3::json)',
          [name, last + 1, JSON.stringify({ ...version, version: last + 1 })],
        );
        return last + 1;
      }, 'SERIALIZABLE'),
    jobState: async (job) =>
      (await db.query<{ body: unknown }>('SELECT body FROM model_jobs WHERE name = $1', [job]))
        .rows[0]?.body,
    saveJobState: async (job, state) => {
      await db.query(
        `INSERT INTO model_jobs (name, body) VALUES ($1, $2::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
        [job, JSON.stringify(state)],
      );
    },
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
