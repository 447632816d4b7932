import { afterEach, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import {
  movePosition,
  POSITION_MIGRATIONS,
  readPosition,
} from '../../src/store/postgres/pg-consumer-positions.js';
import { openTestDatabase } from '../support/postgres.js';

describe('PostgreSQL consumer positions', () => {
  let db: PgDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('starts at 0, moves unless already past `from`, and keeps each consumer apart', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'positions', POSITION_MIGRATIONS);
    const d = db;
    expect(await readPosition(d.pool, 'bandits')).toBe(0);
    expect(await d.transaction((c) => movePosition(c, 'bandits', 0, 10))).toBe(true);
    expect(await d.transaction((c) => movePosition(c, 'bandits', 5, 12))).toBe(false);
    expect(await readPosition(d.pool, 'bandits')).toBe(10);
    expect(await d.transaction((c) => movePosition(c, 'bandits', 10, 2 ** 40))).toBe(true);
    expect(await readPosition(d.pool, 'bandits')).toBe(2 ** 40);
    expect(await readPosition(d.pool, 'profiles:3')).toBe(0);
    // A move rolled back with the rest of its transaction leaves the position where it was.
    await expect(
      d.transaction(async (c) => {
        await movePosition(c, 'profiles:3', 0, 50);
        throw new Error('the fold failed');
      }),
    ).rejects.toThrow('the fold failed');
    expect(await readPosition(d.pool, 'profiles:3')).toBe(0);
  });

  it('lets two transactions moving one consumer from the same place take turns: one moves it', async () => {
    db = await openTestDatabase();
    await migratePostgres(db, 'positions', POSITION_MIGRATIONS);
    const d = db;
    const moved = await Promise.all(
      [7, 9].map((to) => d.transaction((c) => movePosition(c, 'bandits', 0, to))),
    );
    expect([...moved].sort()).toEqual([false, true]);
    expect(await readPosition(d.pool, 'bandits')).toBe(moved[0] ? 7 : 9);
  });
});
