import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/postgres.js';
import { migratePostgres, type PgMigration } from './migrate-postgres.js';
import type { PgDatabase } from './pg-database.js';

const migrations: PgMigration[] = [
  { version: 1, name: 'things', up: 'CREATE TABLE things (id text PRIMARY KEY)' },
  {
    version: 2,
    name: 'things size',
    up: 'ALTER TABLE things ADD COLUMN size int8 NOT NULL DEFAULT 0',
  },
];

describe('migratePostgres', () => {
  let db: PgDatabase | undefined;
  afterEach(async () => {
    await db?.close();
  });

  it('applies what is missing once, in order, even when nodes start together', async () => {
    db = await openTestDatabase();
    const database = db;
    const applied = await Promise.all(
      [1, 2, 3].map(() => migratePostgres(database, 'things', migrations.slice(0, 1))),
    );
    expect(applied.sort()).toEqual([0, 0, 1]);
    expect(await migratePostgres(db, 'things', migrations)).toBe(1);
    await db.query("INSERT INTO things (id, size) VALUES ('a', 9007199254740991)");
    const { rows } = await db.query<{ size: number }>('SELECT size FROM things');
    expect(rows).toEqual([{ size: 9007199254740991 }]);
    const versions = await db.query(
      'SELECT component, version, name FROM schema_migrations ORDER BY version',
    );
    expect(versions.rows).toEqual([
      { component: 'things', version: 1, name: 'things' },
      { component: 'things', version: 2, name: 'things size' },
    ]);
  });

  it('refuses a schema a newer Tailor migrated, and a failed migration leaves nothing behind', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'things', migrations);
    await expect(migratePostgres(db, 'things', migrations.slice(0, 1))).rejects.toThrow(
      /newer than this Tailor knows/,
    );
    const broken: PgMigration[] = [
      { version: 1, name: 'ok', up: 'CREATE TABLE others (id text)' },
      { version: 2, name: 'broken', up: 'ALTER TABLE nowhere ADD COLUMN x int' },
    ];
    await expect(migratePostgres(db, 'others', broken)).rejects.toThrow(/nowhere/);
    const { rows } = await db.query("SELECT to_regclass('others') AS others");
    expect(rows).toEqual([{ others: null }]);
  });
});
