import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { openTailor } from '../src/open-tailor.js';
import { JOURNEY_SQLITE_MIGRATIONS } from '../src/journeys/sqlite-journey-store.js';
import { MODEL_MIGRATIONS } from '../src/store/sqlite/sqlite-model-store.js';
import { PROFILE_STORE_MIGRATIONS } from '../src/store/sqlite/sqlite-profile-store.js';
import { MEMBERSHIP_MIGRATIONS } from '../src/store/sqlite/sqlite-membership-tables.js';
import { EVENT_LOG_MIGRATIONS } from '../src/log/sqlite/sqlite-event-log.js';

const FILES = ['log.sqlite', 'state.sqlite', 'audit.sqlite', 'journeys.db'];
const COMPONENTS: Record<string, string[]> = {
  'log.sqlite': ['event-log'],
  'state.sqlite': [
    'backfill-jobs',
    'bandits',
    'catalog',
    'channel-rules',
    'clusterings',
    'consumer-positions',
    'destinations',
    'event-identifiers',
    'memberships',
    'models',
    'profiles',
    'recommenders',
    'review-queue',
    'sources',
    'state',
  ],
  'audit.sqlite': ['audit-log'],
  'journeys.db': ['journeys'],
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(dir: string) {
  const config = loadConfig({ flags: { dataDir: dir, logLevel: 'silent' }, env: {}, cwd: dir });
  return openTailor(config);
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-migrations-'));
  dirs.push(dir);
  return dir;
}

function withFile<T>(dir: string, file: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dir, file));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Each table's columns (name, type, not null, default, key) and each index's columns, per file. */
function shape(dir: string): unknown {
  return FILES.map((file) =>
    withFile(dir, file, (db) => {
      const objects = db
        .prepare(
          "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .all() as { type: string; name: string }[];
      return objects.map(({ type, name }) => ({
        type,
        name,
        columns: db
          .prepare(type === 'table' ? `PRAGMA table_info(${name})` : `PRAGMA index_info(${name})`)
          .all(),
      }));
    }),
  );
}

function versions(dir: string): Record<string, Record<string, number>> {
  return Object.fromEntries(
    FILES.map((file) => [
      file,
      withFile(dir, file, (db) =>
        Object.fromEntries(
          (
            db
              .prepare(
                'SELECT component, max(version) AS version FROM schema_migrations GROUP BY component',
              )
              .all() as { component: string; version: number }[]
          ).map((r) => [r.component, r.version]),
        ),
      ),
    ]),
  );
}

/** Components with more than one migration, at their latest. */
const LATEST: Record<string, number> = {
  profiles: PROFILE_STORE_MIGRATIONS.length,
  memberships: MEMBERSHIP_MIGRATIONS.length,
  models: MODEL_MIGRATIONS.length,
  journeys: JOURNEY_SQLITE_MIGRATIONS.length,
  'event-log': EVENT_LOG_MIGRATIONS.length,
};

describe('SQLite migrations', () => {
  it('records every component of a fresh folder at its latest version', async () => {
    const dir = folder();
    await (await open(dir)).close();
    const found = versions(dir);
    for (const file of FILES) {
      expect(Object.keys(found[file] ?? {}).sort()).toEqual(COMPONENTS[file]);
      for (const [component, version] of Object.entries(found[file] ?? {}))
        expect(version).toBe(LATEST[component] ?? 1);
    }
  });

  it('opens a folder from before versioned migrations (an older shape, no record), keeping its rows', async () => {
    const dir = folder();
    const first = await open(dir);
    await first.keys.create('old-key', 'write', new Date(0), 'old-key-secret-0001');
    await first.close();
    const fresh = folder();
    await (await open(fresh)).close();
    // Make it what earlier code left: no schema record, and the columns later added ad hoc missing.
    withFile(dir, 'state.sqlite', (db) => {
      db.exec(`DROP TABLE schema_migrations;
        ALTER TABLE api_keys DROP COLUMN rate_limit;
        ALTER TABLE destinations DROP COLUMN secret;
        ALTER TABLE deliveries DROP COLUMN user_key;
        ALTER TABLE deliveries DROP COLUMN anonymous_key;
        ALTER TABLE deliveries DROP COLUMN profile_key;
        ALTER TABLE profiles DROP COLUMN derived;
        ALTER TABLE profiles DROP COLUMN consent;
        ALTER TABLE profiles DROP COLUMN sealed;
        ALTER TABLE identities DROP COLUMN sealed;
        DROP TABLE definitions_generation;
        DROP TABLE segment_sizes;`);
    });
    for (const file of ['log.sqlite', 'audit.sqlite'])
      withFile(dir, file, (db) => db.exec('DROP TABLE schema_migrations'));
    // journeys.db as it was before its per-step exits and its versions, and before re-entry.
    withFile(dir, 'journeys.db', (db) => {
      db.exec(`DROP TABLE schema_migrations;
        DROP TABLE journey_left;
        ALTER TABLE journey_places DROP COLUMN entered_at;
        ALTER TABLE journey_places DROP COLUMN run;
        ALTER TABLE journey_places DROP COLUMN context;`);
      db.prepare("INSERT INTO journeys VALUES ('old-journey', '{}')").run();
    });
    const reopened = await open(dir);
    try {
      expect((await reopened.keys.list()).map((k) => k.name)).toContain('old-key');
      expect(
        withFile(dir, 'journeys.db', (db) => db.prepare('SELECT name FROM journeys').all()),
      ).toEqual([{ name: 'old-journey' }]);
    } finally {
      await reopened.close();
    }
    expect(versions(dir)).toEqual(versions(fresh));
    expect(shape(dir)).toEqual(shape(fresh));
  });

  it('refuses a folder migrated by a newer Tailor', async () => {
    const dir = folder();
    await (await open(dir)).close();
    withFile(dir, 'state.sqlite', (db) =>
      db
        .prepare(
          "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('state', 2, 'future', 0)",
        )
        .run(),
    );
    await expect(open(dir)).rejects.toThrow(
      /the state store is at schema version 2, newer than this Tailor knows \(1\): upgrade Tailor/,
    );
  });
});
