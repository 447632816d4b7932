import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { newKeyring } from '../src/privacy/keyring.js';
import { createAesSealer } from '../src/privacy/sealer.js';
import { openPgProfileStore } from '../src/store/postgres/pg-profile-store.js';
import { openSqliteProfileStore } from '../src/store/sqlite/sqlite-profile-store.js';
import { openTestDatabase } from './support/postgres.js';

// A merge's reason names the identifier that linked two profiles. Rows written before reasons were
// sealed hold it in clear; the store seals them the next time it opens with encryption on.
const LEGACY = 'identifier userId:legacy-secret-42';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('merge reasons written in clear before they were sealed', () => {
  it('are sealed in a SQLite state file at the next open with encryption on, and read back as written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-merge-reasons-'));
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
    const file = join(dir, 'state.sqlite');
    const sealer = createAesSealer(newKeyring());
    await openSqliteProfileStore(file, {}, sealer).close();
    const db = new Database(file);
    db.prepare(
      "INSERT INTO profile_merges (into_id, from_id, message_id, at, reason) VALUES ('p_1', 'p_2', 'm-1', '2026-12-01T00:00:00Z', ?)",
    ).run(LEGACY);
    db.close();

    const store = openSqliteProfileStore(file, {}, sealer);
    expect((await store.merges('p_1')).map((m) => m.reason)).toEqual([LEGACY]);
    await store.close();
    const text = ['', '-wal']
      .map((suffix) => {
        try {
          return readFileSync(file + suffix).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    expect(text).not.toContain('legacy-secret');
  });

  it('are sealed in PostgreSQL at the next open with encryption on, and read back as written', async () => {
    const db = await openTestDatabase();
    cleanups.push(() => db.close());
    const sealer = createAesSealer(newKeyring());
    await openPgProfileStore(db, sealer);
    await db.query(
      "INSERT INTO profile_merges (into_id, from_id, message_id, at, reason) VALUES ('p_1', 'p_2', 'm-1', '2026-12-01T00:00:00Z', $1)",
      [LEGACY],
    );

    const store = await openPgProfileStore(db, sealer);
    expect((await store.merges('p_1')).map((m) => m.reason)).toEqual([LEGACY]);
    const { rows } = await db.query<{ reason: string; sealed_reason: Buffer }>(
      'SELECT reason, sealed_reason FROM profile_merges',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.reason).toBe('');
    expect(rows[0]?.sealed_reason.toString('latin1')).not.toContain('legacy-secret');
  });
});
