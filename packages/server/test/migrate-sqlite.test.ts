import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  migrateSqlite,
  sqliteSchemaVersion,
  type SqliteMigration,
} from '../src/storage/sqlite/migrate-sqlite.js';

const migrations: SqliteMigration[] = [
  {
    version: 1,
    name: 'baseline',
    up: 'CREATE TABLE IF NOT EXISTS things (id TEXT PRIMARY KEY, body TEXT NOT NULL)',
  },
  {
    version: 2,
    name: 'things.note',
    up: (db) => {
      const columns = db.prepare('PRAGMA table_info(things)').all() as { name: string }[];
      if (!columns.some((column) => column.name === 'note')) {
        db.exec('ALTER TABLE things ADD COLUMN note TEXT');
      }
    },
  },
];

describe('migrateSqlite', () => {
  const open: Database.Database[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });
  function memory(): Database.Database {
    const db = new Database(':memory:');
    open.push(db);
    return db;
  }

  it('applies every migration to a fresh file once, recording each', () => {
    const db = memory();
    expect(migrateSqlite(db, 'things', migrations)).toBe(2);
    expect(migrateSqlite(db, 'things', migrations)).toBe(0);
    expect(sqliteSchemaVersion(db, 'things')).toBe(2);
    expect(
      db.prepare('SELECT component, version, name FROM schema_migrations ORDER BY version').all(),
    ).toEqual([
      { component: 'things', version: 1, name: 'baseline' },
      { component: 'things', version: 2, name: 'things.note' },
    ]);
  });

  it('applies only the missing ones, and keeps components apart', () => {
    const db = memory();
    migrateSqlite(db, 'things', migrations.slice(0, 1));
    db.prepare("INSERT INTO things (id, body) VALUES ('a', 'kept')").run();
    expect(migrateSqlite(db, 'things', migrations)).toBe(1);
    expect(db.prepare('SELECT id, body, note FROM things').all()).toEqual([
      { id: 'a', body: 'kept', note: null },
    ]);
    expect(sqliteSchemaVersion(db, 'others')).toBe(0);
  });

  it('brings a legacy database (tables, no record) to the same schema as a fresh one', () => {
    const legacy = memory();
    legacy.exec(
      "CREATE TABLE things (id TEXT PRIMARY KEY, body TEXT NOT NULL); INSERT INTO things VALUES ('a', 'old')",
    );
    migrateSqlite(legacy, 'things', migrations);
    const fresh = memory();
    migrateSqlite(fresh, 'things', migrations);
    const schema = (db: Database.Database): unknown =>
      db.prepare("SELECT name, sql FROM sqlite_master WHERE name = 'things'").all();
    expect(schema(legacy)).toEqual(schema(fresh));
    expect(legacy.prepare('SELECT body FROM things').all()).toEqual([{ body: 'old' }]);
  });

  it('rolls back every migration of a run when one fails', () => {
    const db = memory();
    const failing: SqliteMigration[] = [
      ...migrations,
      { version: 3, name: 'broken', up: 'CREATE TABLE nope (' },
    ];
    expect(() => migrateSqlite(db, 'things', failing)).toThrow();
    expect(sqliteSchemaVersion(db, 'things')).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'things'").all()).toEqual([]);
  });

  it('refuses a file migrated by a newer Tailor', () => {
    const db = memory();
    migrateSqlite(db, 'things', migrations);
    expect(() => migrateSqlite(db, 'things', migrations.slice(0, 1))).toThrow(
      /things store is at schema version 2, newer than this Tailor knows \(1\): upgrade Tailor/,
    );
  });

  it('refuses a list with a gap', () => {
    expect(() => migrateSqlite(memory(), 'things', [migrations[1]!])).toThrow(
      /version 2 at place 1/,
    );
  });
});
