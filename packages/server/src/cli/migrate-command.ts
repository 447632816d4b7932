import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config/config.schema.js';
import { openSealer } from '../privacy/open-sealer.js';
import { makeDataFolder } from '../privacy/private-files.js';
import { isScaleOut, openStorage } from '../storage/open-storage.js';
import { PgDatabase, sqlState } from '../storage/postgres/pg-database.js';
import { readConfig } from './read-config.js';

interface MigrateFlags {
  data?: string;
  config?: string;
}

/**
 * `tailor migrate`: brings every store of the configured backend to this Tailor's schema (what
 * `serve` also does at start) and prints, per store, its version before and after:
 * `state.sqlite profiles: 0 -> 1`, or `postgres tailor.profiles: 1 -> 2`.
 */
export async function migrateCommand(flags: MigrateFlags): Promise<void> {
  const config = readConfig({ dataDir: flags.data, logLevel: 'silent' }, flags.config);
  const before = await schemaVersions(config);
  if (!isScaleOut(config)) makeDataFolder(config.dataDir);
  // Each store migrates its own tables when it is opened.
  const storage = await openStorage(config, openSealer(config), { autoCheckpoint: true });
  await storage.close();
  const after = await schemaVersions(config);
  for (const [store, version] of [...after].sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(`${store}: ${String(before.get(store) ?? 0)} -> ${String(version)}`);
  }
}

/** Every store's schema version, by `FILE component` (SQLite) or `postgres SCHEMA.component`. */
async function schemaVersions(config: Readonly<Config>): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const postgres = config.storage.postgres;
  if (isScaleOut(config) && postgres !== undefined) {
    const db = await PgDatabase.open({
      url: postgres.url,
      schema: postgres.schema,
      maxConnections: 1,
    });
    try {
      const { rows } = await db.query<{ component: string; version: number }>(
        'SELECT component, max(version)::int8 AS version FROM schema_migrations GROUP BY component',
      );
      for (const r of rows) versions.set(`postgres ${postgres.schema}.${r.component}`, r.version);
    } catch (error) {
      if (sqlState(error) !== '42P01') throw error; // no table yet: nothing migrated
    } finally {
      await db.close();
    }
    return versions;
  }
  for (const file of ['log.sqlite', 'state.sqlite', 'audit.sqlite']) {
    const path = join(config.dataDir, file);
    if (!existsSync(path)) continue;
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const table = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        .get();
      if (table === undefined) continue;
      const rows = db
        .prepare(
          'SELECT component, max(version) AS version FROM schema_migrations GROUP BY component',
        )
        .all() as { component: string; version: number }[];
      for (const r of rows) versions.set(`${file} ${r.component}`, r.version);
    } finally {
      db.close();
    }
  }
  return versions;
}
