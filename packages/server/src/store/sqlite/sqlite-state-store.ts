import type Database from 'better-sqlite3';
import type { PlanViolation, TrackingPlan, Violation } from '@tailor/core';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import type {
  KeyRecord,
  StateStore,
  StoredDefinition,
  StoredExperiment,
  StoredPlacement,
} from '../state-store.js';

/** The tables as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS api_keys (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  rate_limit TEXT
);
CREATE TABLE IF NOT EXISTS tracking_plans (
  target TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  schema TEXT NOT NULL,
  description TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS placements (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS experiments (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS definitions (
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quality_violations (
  event TEXT NOT NULL,
  rule TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  example TEXT NOT NULL,
  PRIMARY KEY (event, rule)
);
`;

interface KeyRow {
  name: string;
  role: KeyRecord['role'];
  hash: string;
  created_at: string;
  revoked_at: string | null;
  /** JSON: NULL for the role's default, 'null' for none, else the key's own limit. */
  rate_limit: string | null;
}

/** Data folders made before keys had rate limits get the column. */
function addRateLimitColumn(db: Database.Database): void {
  const columns = db.prepare('PRAGMA table_info(api_keys)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'rate_limit'))
    db.exec('ALTER TABLE api_keys ADD COLUMN rate_limit TEXT');
}

/** This store's component in `schema_migrations`. */
export const STATE_STORE_COMPONENT = 'state';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const STATE_STORE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'baseline',
    up: (db) => {
      db.exec(BASELINE);
      addRateLimitColumn(db);
    },
  },
];

export function openSqliteStateStore(file: string, sqlite: SqliteOptions = {}): StateStore {
  const db: Database.Database = openSqlite(file, sqlite);
  migrateSqlite(db, STATE_STORE_COMPONENT, STATE_STORE_MIGRATIONS);
  const upsertViolation = db.prepare(
    `INSERT INTO quality_violations (event, rule, count, first_seen_at, last_seen_at, example)
     VALUES (?, ?, 1, ?, ?, ?)
     ON CONFLICT (event, rule) DO UPDATE SET
       count = count + 1, last_seen_at = excluded.last_seen_at, example = excluded.example`,
  );
  const recordViolations = db.transaction((violations: readonly PlanViolation[], at: string) => {
    for (const v of violations) upsertViolation.run(v.event, v.rule, at, at, v.message);
  });

  return {
    keys: {
      list: () =>
        Promise.resolve(
          (db.prepare('SELECT * FROM api_keys ORDER BY name').all() as KeyRow[]).map((r) => ({
            name: r.name,
            role: r.role,
            hash: r.hash,
            createdAt: r.created_at,
            revokedAt: r.revoked_at,
            ...(r.rate_limit !== null && {
              rateLimit: JSON.parse(r.rate_limit) as KeyRecord['rateLimit'],
            }),
          })),
        ),
      put: (key) => {
        db.prepare(
          `INSERT INTO api_keys (name, role, hash, created_at, revoked_at, rate_limit) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash,
             created_at = excluded.created_at, revoked_at = excluded.revoked_at, rate_limit = excluded.rate_limit`,
        ).run(
          key.name,
          key.role,
          key.hash,
          key.createdAt,
          key.revokedAt,
          key.rateLimit === undefined ? null : JSON.stringify(key.rateLimit),
        );
        return Promise.resolve();
      },
      revoke: (name, at) =>
        Promise.resolve(
          db
            .prepare('UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
            .run(at, name).changes === 1,
        ),
      setRateLimit: (name, rateLimit) =>
        Promise.resolve(
          db
            .prepare('UPDATE api_keys SET rate_limit = ? WHERE name = ? AND revoked_at IS NULL')
            .run(rateLimit === undefined ? null : JSON.stringify(rateLimit), name).changes === 1,
        ),
    },
    trackingPlans: {
      list: () =>
        Promise.resolve(
          (
            db.prepare('SELECT * FROM tracking_plans ORDER BY target').all() as {
              target: string;
              mode: 'allow' | 'block';
              schema: string;
              description: string | null;
              updated_at: string;
            }[]
          ).map((r) => ({
            target: r.target,
            mode: r.mode,
            schema: JSON.parse(r.schema) as Record<string, unknown>,
            ...(r.description !== null && { description: r.description }),
            updatedAt: r.updated_at,
          })),
        ),
      put: (plan: TrackingPlan) => {
        db.prepare(
          `INSERT INTO tracking_plans (target, mode, schema, description, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (target) DO UPDATE SET mode = excluded.mode, schema = excluded.schema,
             description = excluded.description, updated_at = excluded.updated_at`,
        ).run(
          plan.target,
          plan.mode,
          JSON.stringify(plan.schema),
          plan.description ?? null,
          plan.updatedAt,
        );
        return Promise.resolve();
      },
      delete: (target) =>
        Promise.resolve(
          db.prepare('DELETE FROM tracking_plans WHERE target = ?').run(target).changes === 1,
        ),
    },
    definitions: {
      list: (kind) =>
        Promise.resolve(
          (
            db.prepare('SELECT body FROM definitions WHERE kind = ? ORDER BY name').all(kind) as {
              body: string;
            }[]
          ).map((r) => JSON.parse(r.body) as StoredDefinition),
        ),
      get: (kind, name) => {
        const row = db
          .prepare('SELECT body FROM definitions WHERE kind = ? AND name = ?')
          .get(kind, name) as { body: string } | undefined;
        return Promise.resolve(
          row === undefined ? undefined : (JSON.parse(row.body) as StoredDefinition),
        );
      },
      put: (definition) => {
        db.prepare(
          `INSERT INTO definitions (kind, name, body) VALUES (?, ?, ?)
           ON CONFLICT (kind, name) DO UPDATE SET body = excluded.body`,
        ).run(definition.kind, definition.name, JSON.stringify(definition));
        return Promise.resolve();
      },
      delete: (kind, name) =>
        Promise.resolve(
          db.prepare('DELETE FROM definitions WHERE kind = ? AND name = ?').run(kind, name)
            .changes === 1,
        ),
    },
    placements: namedBodies<StoredPlacement>(db, 'placements'),
    experiments: namedBodies<StoredExperiment>(db, 'experiments'),
    violations: {
      record: (violations, at) => {
        if (violations.length > 0) recordViolations(violations, at);
        return Promise.resolve();
      },
      list: ({ event }) => {
        const rows = (
          event === undefined
            ? db.prepare('SELECT * FROM quality_violations ORDER BY count DESC, event, rule').all()
            : db
                .prepare(
                  'SELECT * FROM quality_violations WHERE event = ? ORDER BY count DESC, rule',
                )
                .all(event)
        ) as {
          event: string;
          rule: string;
          count: number;
          first_seen_at: string;
          last_seen_at: string;
          example: string;
        }[];
        return Promise.resolve(
          rows.map((r): Violation => ({
            event: r.event,
            rule: r.rule,
            count: r.count,
            firstSeenAt: r.first_seen_at,
            lastSeenAt: r.last_seen_at,
            example: r.example,
          })),
        );
      },
    },
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

/**
 * A table of named JSON bodies (`name TEXT PRIMARY KEY, body TEXT`) as a small store: placements
 * and experiments are kept this way.
 */
function namedBodies<T extends { name: string }>(
  db: Database.Database,
  table: 'placements' | 'experiments',
) {
  const q = {
    list: db.prepare(`SELECT body FROM ${table} ORDER BY name`),
    get: db.prepare(`SELECT body FROM ${table} WHERE name = ?`),
    put: db.prepare(
      `INSERT INTO ${table} (name, body) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body`,
    ),
    delete: db.prepare(`DELETE FROM ${table} WHERE name = ?`),
  };
  return {
    list: () =>
      Promise.resolve((q.list.all() as { body: string }[]).map((r) => JSON.parse(r.body) as T)),
    get: (name: string) => {
      const row = q.get.get(name) as { body: string } | undefined;
      return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.body) as T));
    },
    put: (body: T) => {
      q.put.run(body.name, JSON.stringify(body));
      return Promise.resolve();
    },
    delete: (name: string) => Promise.resolve(q.delete.run(name).changes === 1),
  };
}
