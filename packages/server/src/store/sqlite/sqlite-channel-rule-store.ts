import type { ChannelRule } from '@tailor/core';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import type { ChannelRuleStore } from '../../reports/channel-rule-store.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** This store's component in `schema_migrations`. */
export const CHANNEL_RULE_COMPONENT = 'channel-rules';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const CHANNEL_RULE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'channel rules',
    up: `CREATE TABLE IF NOT EXISTS channel_rules (
           id INTEGER PRIMARY KEY CHECK (id = 1), rules TEXT NOT NULL, updated_at TEXT NOT NULL
         )`,
  },
];

/** The channel rules in a SQLite file (state.sqlite): one row. */
export function openSqliteChannelRuleStore(
  file: string,
  sqlite: SqliteOptions = {},
): ChannelRuleStore {
  const db = openSqlite(file, sqlite);
  migrateSqlite(db, CHANNEL_RULE_COMPONENT, CHANNEL_RULE_MIGRATIONS);
  const q = {
    get: db.prepare('SELECT rules, updated_at FROM channel_rules WHERE id = 1'),
    put: db.prepare(
      `INSERT INTO channel_rules (id, rules, updated_at) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`,
    ),
  };
  return {
    get: () => {
      const row = q.get.get() as { rules: string; updated_at: string } | undefined;
      return Promise.resolve(
        row === undefined
          ? undefined
          : { rules: JSON.parse(row.rules) as ChannelRule[], updatedAt: row.updated_at },
      );
    },
    put: ({ rules, updatedAt }) => {
      q.put.run(JSON.stringify(rules), updatedAt);
      return Promise.resolve();
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
