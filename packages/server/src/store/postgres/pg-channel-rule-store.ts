import type { ChannelRule } from '@tailor/core';
import type { ChannelRuleStore } from '../../reports/channel-rule-store.js';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';

const CHANNEL_RULE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'channel rules',
    up: `CREATE TABLE channel_rules (
           id int4 PRIMARY KEY CHECK (id = 1), rules json NOT NULL, updated_at text NOT NULL
         )`,
  },
];

/** The channel rules in PostgreSQL, shared by every node: one row, read by each report. */
export async function openPgChannelRuleStore(db: PgDatabase): Promise<ChannelRuleStore> {
  await migratePostgres(db, 'channel-rules', CHANNEL_RULE_MIGRATIONS);
  return {
    get: async () => {
      const row = (
        await db.query<{ rules: ChannelRule[]; updated_at: string }>(
          'SELECT rules, updated_at FROM channel_rules WHERE id = 1',
        )
      ).rows[0];
      return row === undefined ? undefined : { rules: row.rules, updatedAt: row.updated_at };
    },
    put: async ({ rules, updatedAt }) => {
      await db.query(
        `INSERT INTO channel_rules (id, rules, updated_at) VALUES (1, $1::json, $2)
         ON CONFLICT (id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = EXCLUDED.updated_at`,
        [JSON.stringify(rules), updatedAt],
      );
    },
    close: () => Promise.resolve(), // the database is closed by the storage
  };
}
