import type { Violation } from '@tailor/core';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type {
  KeyRecord,
  StateStore,
  StoredDefinition,
  StoredExperiment,
  StoredPlacement,
} from '../state-store.js';

/**
 * Names sort as SQLite sorts them (by bytes), whatever the database's collation, so both
 * adapters list in the same order. Bodies are `json`, not `jsonb`: kept as written, key order included.
 */
const STATE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'keys, plans, definitions, placements, experiments, violations',
    up: `
      CREATE TABLE api_keys (
        name text COLLATE "C" PRIMARY KEY,
        role text NOT NULL,
        hash text NOT NULL UNIQUE,
        created_at text NOT NULL,
        revoked_at text,
        -- NULL: the role's default; JSON null: no limit; else the key's own limit.
        rate_limit json
      );
      CREATE TABLE tracking_plans (
        target text COLLATE "C" PRIMARY KEY,
        mode text NOT NULL,
        schema json NOT NULL,
        description text,
        updated_at text NOT NULL
      );
      CREATE TABLE placements (name text COLLATE "C" PRIMARY KEY, body json NOT NULL);
      CREATE TABLE experiments (name text COLLATE "C" PRIMARY KEY, body json NOT NULL);
      CREATE TABLE definitions (
        kind text NOT NULL,
        name text COLLATE "C" NOT NULL,
        body json NOT NULL,
        PRIMARY KEY (kind, name)
      );
      CREATE TABLE quality_violations (
        event text COLLATE "C" NOT NULL,
        rule text COLLATE "C" NOT NULL,
        count int8 NOT NULL,
        first_seen_at text NOT NULL,
        last_seen_at text NOT NULL,
        example text NOT NULL,
        PRIMARY KEY (event, rule)
      );`,
  },
];

interface KeyRow {
  name: string;
  role: KeyRecord['role'];
  hash: string;
  created_at: string;
  revoked_at: string | null;
  rate_limit_text: string | null;
}

/** The state store on PostgreSQL: what SQLite's state.sqlite holds beside the profiles. */
export async function openPgStateStore(db: PgDatabase): Promise<StateStore> {
  await migratePostgres(db, 'state', STATE_MIGRATIONS);
  const rateLimitJson = (value: KeyRecord['rateLimit']): string | null =>
    value === undefined ? null : JSON.stringify(value);
  return {
    keys: {
      list: async () => {
        // As text: a json column holding null must stay apart from SQL NULL (the role's default).
        const { rows } = await db.query<KeyRow>(
          'SELECT name, role, hash, created_at, revoked_at, rate_limit::text AS rate_limit_text FROM api_keys ORDER BY name',
        );
        return rows.map((r) => ({
          name: r.name,
          role: r.role,
          hash: r.hash,
          createdAt: r.created_at,
          revokedAt: r.revoked_at,
          ...(r.rate_limit_text !== null && {
            rateLimit: JSON.parse(r.rate_limit_text) as KeyRecord['rateLimit'],
          }),
        }));
      },
      put: async (key) => {
        await db.query(
          `INSERT INTO api_keys (name, role, hash, created_at, revoked_at, rate_limit)
           VALUES ($1, $2, $3, $4, $5, $6::json)
           ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, hash = EXCLUDED.hash,
             created_at = EXCLUDED.created_at, revoked_at = EXCLUDED.revoked_at,
             rate_limit = EXCLUDED.rate_limit`,
          [
            key.name,
            key.role,
            key.hash,
            key.createdAt,
            key.revokedAt,
            rateLimitJson(key.rateLimit),
          ],
        );
      },
      revoke: async (name, at) =>
        (
          await db.query(
            'UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL',
            [at, name],
          )
        ).rowCount === 1,
      setRateLimit: async (name, rateLimit) =>
        (
          await db.query(
            'UPDATE api_keys SET rate_limit = $1::json WHERE name = $2 AND revoked_at IS NULL',
            [rateLimitJson(rateLimit), name],
          )
        ).rowCount === 1,
    },
    trackingPlans: {
      list: async () => {
        const { rows } = await db.query<{
          target: string;
          mode: 'allow' | 'block';
          schema: Record<string, unknown>;
          description: string | null;
          updated_at: string;
        }>('SELECT * FROM tracking_plans ORDER BY target');
        return rows.map((r) => ({
          target: r.target,
          mode: r.mode,
          schema: r.schema,
          ...(r.description !== null && { description: r.description }),
          updatedAt: r.updated_at,
        }));
      },
      put: async (plan) => {
        await db.query(
          `INSERT INTO tracking_plans (target, mode, schema, description, updated_at)
           VALUES ($1, $2, $3::json, $4, $5)
           ON CONFLICT (target) DO UPDATE SET mode = EXCLUDED.mode, schema = EXCLUDED.schema,
             description = EXCLUDED.description, updated_at = EXCLUDED.updated_at`,
          [
            plan.target,
            plan.mode,
            JSON.stringify(plan.schema),
            plan.description ?? null,
            plan.updatedAt,
          ],
        );
      },
      delete: async (target) =>
        (await db.query('DELETE FROM tracking_plans WHERE target = $1', [target])).rowCount === 1,
    },
    definitions: {
      list: async (kind) =>
        (
          await db.query<{ body: StoredDefinition }>(
            'SELECT body FROM definitions WHERE kind = $1 ORDER BY name',
            [kind],
          )
        ).rows.map((r) => r.body),
      get: async (kind, name) =>
        (
          await db.query<{ body: StoredDefinition }>(
            'SELECT body FROM definitions WHERE kind = $1 AND name = $2',
            [kind, name],
          )
        ).rows[0]?.body,
      put: async (definition) => {
        await db.query(
          `INSERT INTO definitions (kind, name, body) VALUES ($1, $2, $3::json)
           ON CONFLICT (kind, name) DO UPDATE SET body = EXCLUDED.body`,
          [definition.kind, definition.name, JSON.stringify(definition)],
        );
      },
      delete: async (kind, name) =>
        (await db.query('DELETE FROM definitions WHERE kind = $1 AND name = $2', [kind, name]))
          .rowCount === 1,
    },
    placements: namedBodies<StoredPlacement>(db, 'placements'),
    experiments: namedBodies<StoredExperiment>(db, 'experiments'),
    violations: {
      record: async (violations, at) => {
        if (violations.length === 0) return;
        // In one transaction; a batch naming one (event, rule) twice counts it twice, as SQLite does.
        await db.transaction(async (client) => {
          for (const v of violations) {
            await client.query(
              `INSERT INTO quality_violations (event, rule, count, first_seen_at, last_seen_at, example)
               VALUES ($1, $2, 1, $3, $3, $4)
               ON CONFLICT (event, rule) DO UPDATE SET count = quality_violations.count + 1,
                 last_seen_at = EXCLUDED.last_seen_at, example = EXCLUDED.example`,
              [v.event, v.rule, at, v.message],
            );
          }
        });
      },
      list: async ({ event }) => {
        const { rows } = await (event === undefined
          ? db.query<ViolationRow>(
              'SELECT * FROM quality_violations ORDER BY count DESC, event, rule',
            )
          : db.query<ViolationRow>(
              'SELECT * FROM quality_violations WHERE event = $1 ORDER BY count DESC, rule',
              [event],
            ));
        return rows.map((r): Violation => ({
          event: r.event,
          rule: r.rule,
          count: r.count,
          firstSeenAt: r.first_seen_at,
          lastSeenAt: r.last_seen_at,
          example: r.example,
        }));
      },
    },
    // The pool is the storage's: closed once, by it.
    close: () => Promise.resolve(),
  };
}

interface ViolationRow {
  event: string;
  rule: string;
  count: number;
  first_seen_at: string;
  last_seen_at: string;
  example: string;
}

/** A table of named JSON bodies: placements and experiments. */
function namedBodies<T extends { name: string }>(
  db: PgDatabase,
  table: 'placements' | 'experiments',
) {
  return {
    list: async () =>
      (await db.query<{ body: T }>(`SELECT body FROM ${table} ORDER BY name`)).rows.map(
        (r) => r.body,
      ),
    get: async (name: string) =>
      (await db.query<{ body: T }>(`SELECT body FROM ${table} WHERE name = $1`, [name])).rows[0]
        ?.body,
    put: async (body: T) => {
      await db.query(
        `INSERT INTO ${table} (name, body) VALUES ($1, $2::json)
         ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body`,
        [body.name, JSON.stringify(body)],
      );
    },
    delete: async (name: string) =>
      (await db.query(`DELETE FROM ${table} WHERE name = $1`, [name])).rowCount === 1,
  };
}
