import { checkMigrations, newerSchemaError, type Migration } from '../migrations.js';
import type { PgDatabase, PgQueryable } from './pg-database.js';

export type PgMigration = Migration<PgQueryable>;

/**
 * Brings one store's tables in the database's schema to the newest version: the missing
 * migrations run in order, all in one transaction (PostgreSQL's DDL is transactional), under an
 * advisory lock so nodes starting together apply each once. Returns how many it applied.
 */
export async function migratePostgres(
  db: PgDatabase,
  component: string,
  migrations: readonly PgMigration[],
): Promise<number> {
  checkMigrations(component, migrations);
  return db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `tailor migrate ${db.schema}`,
    ]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component text NOT NULL,
      version integer NOT NULL,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version)
    )`);
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations WHERE component = $1',
      [component],
    );
    const applied = rows[0]?.version ?? 0;
    if (applied > migrations.length) throw newerSchemaError(component, applied, migrations.length);
    for (const migration of migrations.slice(applied)) {
      if (typeof migration.up === 'string') await client.query(migration.up);
      else await migration.up(client);
      await client.query(
        'INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)',
        [component, migration.version, migration.name],
      );
    }
    return migrations.length - applied;
  });
}
