import type Database from 'better-sqlite3';
import { checkMigrations, newerSchemaError, type Migration } from '../migrations.js';

export type SqliteMigration = Migration<Database.Database>;

/**
 * Brings one store's tables in a SQLite file to the newest version: the missing migrations run in
 * order in one IMMEDIATE transaction (the write lock taken before reading the applied version, so
 * two processes opening the file at once apply each migration once), each recorded in
 * `schema_migrations` (component, version, name, applied_at). A file migrated by a newer Tailor is
 * refused. Returns how many migrations it applied.
 */
export function migrateSqlite(
  db: Database.Database,
  component: string,
  migrations: readonly SqliteMigration[],
): number {
  checkMigrations(component, migrations);
  const migrate = db.transaction((): number => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      component TEXT NOT NULL,
      version INTEGER NOT NULL,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL,
      PRIMARY KEY (component, version)
    )`);
    const row = db
      .prepare('SELECT max(version) AS version FROM schema_migrations WHERE component = ?')
      .get(component) as { version: number | null } | undefined;
    const applied = row?.version ?? 0;
    if (applied > migrations.length) throw newerSchemaError(component, applied, migrations.length);
    const record = db.prepare(
      'INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)',
    );
    for (const migration of migrations.slice(applied)) {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else {
        const result = migration.up(db);
        if (result instanceof Promise) {
          throw new Error(
            `migration ${component} ${String(migration.version)}: must be synchronous`,
          );
        }
      }
      record.run(component, migration.version, migration.name, Date.now());
    }
    return migrations.length - applied;
  });
  return migrate.immediate();
}

/** The version a component's tables are at in this file (0 before its first migration). */
export function sqliteSchemaVersion(db: Database.Database, component: string): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db
    .prepare('SELECT max(version) AS version FROM schema_migrations WHERE component = ?')
    .get(component) as { version: number | null } | undefined;
  return row?.version ?? 0;
}
