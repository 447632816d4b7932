import type Database from 'better-sqlite3';
import type { Backfill, BackfillJobs } from '../backfill-jobs.js';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/** Version 1 is the schema as created before versioned migrations (idempotent on such a file). */
const BASELINE = `
CREATE TABLE IF NOT EXISTS backfills (
  id INTEGER PRIMARY KEY,
  names TEXT NOT NULL,
  status TEXT NOT NULL,
  done INTEGER NOT NULL,
  total INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT
);
`;

/** This store's component in `schema_migrations`. */
export const BACKFILL_JOBS_COMPONENT = 'backfill-jobs';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const BACKFILL_JOBS_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: BASELINE },
];

interface Row {
  id: number;
  names: string;
  status: Backfill['status'];
  done: number;
  total: number;
  cursor: number;
  started_at: string;
  finished_at: string | null;
}

export function openSqliteBackfillJobs(db: Database.Database): BackfillJobs {
  migrateSqlite(db, BACKFILL_JOBS_COMPONENT, BACKFILL_JOBS_MIGRATIONS);
  const insert = db.prepare(
    'INSERT INTO backfills (names, status, done, total, cursor, started_at, finished_at) VALUES (?, ?, 0, ?, 0, ?, ?)',
  );
  const running = db.prepare("SELECT * FROM backfills WHERE status = 'running'");
  const drop = db.prepare('DELETE FROM backfills WHERE id = ?');
  // A rebuild runs under the definitions current when it reaches a profile, so one new job from
  // the first profile serves every running one: they are folded into it (their names with it, so
  // `latest` reports it for them). Nothing to rebuild when there are no profiles yet.
  const start = db.transaction((names: readonly string[], total: number, at: string): number => {
    const all = new Set<string>();
    for (const row of running.all() as Row[]) {
      for (const name of JSON.parse(row.names) as string[]) all.add(name);
      drop.run(row.id);
    }
    for (const name of names) all.add(name);
    const empty = total === 0;
    return Number(
      insert.run(JSON.stringify([...all]), empty ? 'done' : 'running', total, at, empty ? at : null)
        .lastInsertRowid,
    );
  });
  const byId = db.prepare('SELECT * FROM backfills WHERE id = ?');
  const next = db.prepare("SELECT * FROM backfills WHERE status = 'running' ORDER BY id LIMIT 1");
  const advance = db.prepare(
    `UPDATE backfills SET cursor = ?, done = min(total, done + ?),
       status = CASE WHEN ? IS NULL THEN status ELSE 'done' END, finished_at = coalesce(?, finished_at)
     WHERE id = ?`,
  );
  const latest = db.prepare(
    'SELECT * FROM backfills WHERE id IN (SELECT backfills.id FROM backfills, json_each(backfills.names) WHERE json_each.value = ?) ORDER BY id DESC LIMIT 1',
  );
  return {
    start: (names, total, at) => {
      const id = start.immediate(names, total, at);
      return Promise.resolve(toBackfill(byId.get(id) as Row));
    },
    next: () => Promise.resolve(optional(next.get() as Row | undefined)),
    advance: (id, { cursor, processed, finishedAt }) => {
      advance.run(cursor, processed, finishedAt ?? null, finishedAt ?? null, id);
      return Promise.resolve();
    },
    latest: (name) => Promise.resolve(optional(latest.get(name) as Row | undefined)),
  };
}

function optional(row: Row | undefined): Backfill | undefined {
  return row === undefined ? undefined : toBackfill(row);
}

function toBackfill(r: Row): Backfill {
  return {
    id: r.id,
    names: JSON.parse(r.names) as string[],
    status: r.status,
    done: r.done,
    total: r.total,
    cursor: r.cursor,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
