import type Database from 'better-sqlite3';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** This table's component in `schema_migrations`. */
export const CONSUMERS_COMPONENT = 'consumer-positions';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const CONSUMERS_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'baseline',
    up: `CREATE TABLE IF NOT EXISTS consumers (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  ) WITHOUT ROWID`,
  },
];

/**
 * Where each log consumer (the profile pipeline, each webhook destination) has read to, in the
 * same file as the state it derives, so a consumer moves its position and writes its state in one
 * transaction.
 */
export function consumerPositions(db: Database.Database): {
  get(name: string): number;
  set(name: string, position: number): void;
  forget(name: string): void;
} {
  migrateSqlite(db, CONSUMERS_COMPONENT, CONSUMERS_MIGRATIONS);
  const get = db.prepare('SELECT position FROM consumers WHERE name = ?');
  const set = db.prepare(
    'INSERT INTO consumers (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
  );
  const forget = db.prepare('DELETE FROM consumers WHERE name = ?');
  return {
    get: (name) => (get.get(name) as { position: number } | undefined)?.position ?? 0,
    set: (name, position) => {
      set.run(name, position);
    },
    forget: (name) => {
      forget.run(name);
    },
  };
}
