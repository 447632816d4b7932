import type { NewAuditEntry } from '../../audit/audit.schema.js';
import { logError } from '../../privacy/log-error.js';
import { migratePostgres, type PgMigration } from '../../storage/postgres/migrate-postgres.js';
import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { AuditFilter, AuditLog } from '../audit-log.js';
import { entryOf, type AuditRow } from '../sqlite/sqlite-audit-log.js';

const AUDIT_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'audit entries',
    up: `
      CREATE TABLE audit_entries (
        id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at int8 NOT NULL,
        key text NOT NULL,
        role text,
        action text NOT NULL,
        target text NOT NULL,
        profile_id text,
        method text,
        route text,
        status integer,
        ip text
      );
      CREATE INDEX audit_by_profile ON audit_entries (profile_id, id) WHERE profile_id IS NOT NULL;
      CREATE INDEX audit_by_key ON audit_entries (key, id);
      CREATE INDEX audit_by_action ON audit_entries (action, id);
      CREATE INDEX audit_by_at ON audit_entries (at);`,
  },
];

/**
 * The audit log on PostgreSQL. As on SQLite, entries are queued and written once per turn of the
 * event loop (one multi-row insert), so a request never waits for its entry; a read or a prune
 * first waits for what was queued before it. Ids come from one sequence, so newest-first paging
 * by id works across the nodes writing it.
 */
export async function openPgAuditLog(db: PgDatabase): Promise<AuditLog> {
  await migratePostgres(db, 'audit', AUDIT_MIGRATIONS);
  let pending: NewAuditEntry[] = [];
  let scheduled = false;
  let writing: Promise<void> = Promise.resolve();

  const write = async (entries: readonly NewAuditEntry[]): Promise<void> => {
    const columns = [
      'at',
      'key',
      'role',
      'action',
      'target',
      'profile_id',
      'method',
      'route',
      'status',
      'ip',
    ];
    await db.query(
      `INSERT INTO audit_entries (${columns.join(', ')})
       SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::int4[], $10::text[])`,
      [
        entries.map((e) => e.at),
        entries.map((e) => e.key),
        entries.map((e) => e.role),
        entries.map((e) => e.action),
        entries.map((e) => e.target),
        entries.map((e) => e.profileId ?? null),
        entries.map((e) => e.method),
        entries.map((e) => e.route),
        entries.map((e) => e.status),
        entries.map((e) => e.ip),
      ],
    );
  };

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const entries = pending;
    pending = [];
    writing = writing
      .then(() => write(entries))
      .catch((error: unknown) => {
        logError('writing the audit log failed', error);
      });
  };

  return {
    record(entry) {
      pending.push(entry);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    async list(filter) {
      flush();
      await writing;
      const { sql, params } = whereOf(filter);
      const { rows } = await db.query<AuditRow>(
        `SELECT * FROM audit_entries ${sql} ORDER BY id DESC LIMIT $${String(params.length + 1)}`,
        [...params, filter.limit + 1],
      );
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return {
        entries: page.map(entryOf),
        next: rows.length > filter.limit && last ? last.id : null,
      };
    },
    async prune(before) {
      flush();
      await writing;
      return (await db.query('DELETE FROM audit_entries WHERE at < $1', [before])).rowCount ?? 0;
    },
    flush,
    async close() {
      flush();
      await writing; // the pool is the storage's: closed once, by it
    },
  };
}

function whereOf(filter: AuditFilter): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown): void => {
    params.push(value);
    clauses.push(clause(`$${String(params.length)}`));
  };
  if (filter.action !== undefined) add((n) => `action = ${n}`, filter.action);
  if (filter.key !== undefined) add((n) => `key = ${n}`, filter.key);
  if (filter.profileIds !== undefined)
    add((n) => `profile_id = ANY(${n}::text[])`, [...filter.profileIds]);
  if (filter.since !== undefined) add((n) => `at >= ${n}`, filter.since);
  if (filter.until !== undefined) add((n) => `at < ${n}`, filter.until);
  if (filter.before !== undefined) add((n) => `id < ${n}`, filter.before);
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
}
