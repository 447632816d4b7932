import type Database from 'better-sqlite3';
import type { AuditEntry, NewAuditEntry } from '../../audit/audit.schema.js';
import { openSqlite, type SqliteOptions } from '../../log/sqlite/open-sqlite.js';
import type { AuditFilter, AuditLog } from '../audit-log.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** Version 1 is the schema as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS audit_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  key TEXT NOT NULL,
  role TEXT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  profile_id TEXT,
  method TEXT,
  route TEXT,
  status INTEGER,
  ip TEXT
);
CREATE INDEX IF NOT EXISTS audit_by_profile ON audit_entries (profile_id, id) WHERE profile_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_by_key ON audit_entries (key, id);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit_entries (action, id);
CREATE INDEX IF NOT EXISTS audit_by_at ON audit_entries (at);
`;

/** This store's component in `schema_migrations`. */
export const AUDIT_LOG_COMPONENT = 'audit-log';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const AUDIT_LOG_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: BASELINE },
];

/** An audit entry as both adapters store it (snake-case columns). */
export interface AuditRow {
  id: number;
  at: number;
  key: string;
  role: string | null;
  action: string;
  target: string;
  profile_id: string | null;
  method: string | null;
  route: string | null;
  status: number | null;
  ip: string | null;
}

/**
 * The audit log in its own SQLite file (`audit.sqlite`), so its writes never contend with the
 * pipeline's on state.sqlite. Entries are queued and committed once per turn of the event loop,
 * without fsync (synchronous=NORMAL): a request never waits for its entry, and a crash of the
 * machine (not of the process) may lose the last moment's entries.
 */
export function openSqliteAuditLog(file: string, sqlite: SqliteOptions = {}): AuditLog {
  const db: Database.Database = openSqlite(file, { ...sqlite, synchronous: 'NORMAL' });
  migrateSqlite(db, AUDIT_LOG_COMPONENT, AUDIT_LOG_MIGRATIONS);
  const insert = db.prepare(
    `INSERT INTO audit_entries (at, key, role, action, target, profile_id, method, route, status, ip)
     VALUES (@at, @key, @role, @action, @target, @profileId, @method, @route, @status, @ip)`,
  );
  const insertAll = db.transaction((entries: readonly NewAuditEntry[]) => {
    for (const e of entries) insert.run({ ...e, profileId: e.profileId ?? null });
  });
  let pending: NewAuditEntry[] = [];
  let scheduled = false;
  let closed = false;

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0 || closed) return;
    const entries = pending;
    pending = [];
    insertAll(entries);
  };

  return {
    record(entry) {
      pending.push(entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          try {
            flush();
          } catch (error) {
            console.error(
              JSON.stringify({
                level: 'error',
                msg: 'writing the audit log failed',
                err: String(error),
              }),
            );
          }
        });
      }
    },
    list(filter) {
      flush();
      const { sql, params } = whereOf(filter);
      const rows = db
        .prepare(`SELECT * FROM audit_entries ${sql} ORDER BY id DESC LIMIT ?`)
        .all(...params, filter.limit + 1) as AuditRow[];
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return Promise.resolve({
        entries: page.map(entryOf),
        next: rows.length > filter.limit && last ? last.id : null,
      });
    },
    prune(before) {
      flush();
      return Promise.resolve(
        db.prepare('DELETE FROM audit_entries WHERE at < ?').run(before).changes,
      );
    },
    flush,
    close() {
      flush();
      closed = true;
      db.close();
      return Promise.resolve();
    },
  };
}

function whereOf(filter: AuditFilter): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, ...values: (string | number)[]): void => {
    clauses.push(clause);
    params.push(...values);
  };
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.key !== undefined) add('key = ?', filter.key);
  if (filter.profileIds !== undefined)
    add(
      `profile_id IN (${filter.profileIds.map(() => '?').join(', ') || 'NULL'})`,
      ...filter.profileIds,
    );
  if (filter.since !== undefined) add('at >= ?', filter.since);
  if (filter.until !== undefined) add('at < ?', filter.until);
  if (filter.before !== undefined) add('id < ?', filter.before);
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}

/** An audit row as the API answers it. */
export function entryOf(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    key: r.key,
    role: r.role,
    action: r.action,
    target: r.target,
    ...(r.profile_id !== null && { profileId: r.profile_id }),
    method: r.method,
    route: r.route,
    status: r.status,
    ip: r.ip,
  };
}
