import type Database from 'better-sqlite3';
import type { Backfill, BackfillJobs } from '../backfill-jobs.js';

const SCHEMA = `
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
  db.exec(SCHEMA);
  const insert = db.prepare(
    "INSERT INTO backfills (names, status, done, total, cursor, started_at) VALUES (?, 'running', 0, ?, 0, ?)",
  );
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
      const id = Number(insert.run(JSON.stringify(names), total, at).lastInsertRowid);
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
