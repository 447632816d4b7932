import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MAX_DECIDE_PLACEMENTS } from '@tailor/core';
import { migrateSqlite, type SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';

/**
 * The index of the log's events by userId and anonymousId (their blinds, as the log's columns hold
 * them), kept in `state.sqlite` by the profile pipeline in the transaction that moves its
 * position, instead of by the log on every append: two random-key index entries per event cost
 * the collection path about a third of its throughput (bench/RESULTS.md). `kind` is 0 for userId,
 * 1 for anonymousId (without encryption a blind is the value itself, so the two could collide).
 */
export const EVENT_IDENTIFIERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_identifiers (
  kind INTEGER NOT NULL,
  blind TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (kind, blind, position)
) WITHOUT ROWID;
`;

/** The index's component in `schema_migrations` (in state.sqlite). */
export const EVENT_IDENTIFIERS_COMPONENT = 'event-identifiers';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const EVENT_IDENTIFIERS_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: EVENT_IDENTIFIERS_SCHEMA },
];

export const IDENTIFIER_KINDS = { userId: 0, anonymousId: 1 } as const;

/** The indexes the log kept itself before the pipeline kept them. */
const OLD_LOG_INDEXES = ['events_by_user', 'events_by_anonymous'];

/**
 * Indexes every event of the log file by its id columns, in one transaction: for a folder whose
 * log still kept its own indexes (already-indexed events are left as they are), and, with
 * `replace`, instead of what the table held, after a new blind-index key rewrote the log's columns.
 */
export function indexLogIdentifiers(
  state: Database.Database,
  logFile: string,
  { replace = false } = {},
): void {
  migrateSqlite(state, EVENT_IDENTIFIERS_COMPONENT, EVENT_IDENTIFIERS_MIGRATIONS);
  state.prepare('ATTACH DATABASE ? AS log').run(logFile);
  try {
    // A decide request's record (a row with a `span`, in logs that have the column) stands for
    // that many events at the positions up to its own: each of them is indexed.
    const spans =
      state
        .prepare("SELECT 1 FROM pragma_table_info('events', 'log') WHERE name = 'span'")
        .get() !== undefined;
    const offsets = `WITH RECURSIVE offsets(n) AS
      (SELECT 0 UNION ALL SELECT n + 1 FROM offsets WHERE n < ${String(MAX_DECIDE_PLACEMENTS - 1)})`;
    const index = (kind: number, column: string) => {
      const insert = 'INSERT OR IGNORE INTO event_identifiers (kind, blind, position)';
      const given = `${column} IS NOT NULL`;
      if (!spans)
        return `${insert} SELECT ${String(kind)}, ${column}, position FROM log.events WHERE ${given}`;
      return `${insert} ${offsets}
        SELECT ${String(kind)}, ${column}, position FROM log.events WHERE ${given} AND span IS NULL
        UNION ALL
        SELECT ${String(kind)}, ${column}, position - o.n FROM log.events JOIN offsets AS o ON o.n < span
        WHERE ${given} AND span IS NOT NULL`;
    };
    state.transaction(() => {
      if (replace) state.exec('DELETE FROM event_identifiers');
      state.exec(index(IDENTIFIER_KINDS.userId, 'user_id'));
      state.exec(index(IDENTIFIER_KINDS.anonymousId, 'anonymous_id'));
    })();
  } finally {
    state.exec('DETACH DATABASE log');
  }
}

/**
 * A data folder from before the pipeline kept the index: fills it from the log, then drops the
 * log's own indexes (in that order, so an interrupted move is finished at the next start).
 * Nothing to do for a new folder or one already moved.
 */
export function moveIdentifierIndex(files: { log: string; state: string }): void {
  if (!existsSync(files.log)) return;
  const log = new Database(files.log);
  try {
    const present = log
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (${OLD_LOG_INDEXES.map(() => '?').join(', ')})`,
      )
      .all(...OLD_LOG_INDEXES) as { name: string }[];
    if (present.length === 0) return;
    const state = new Database(files.state);
    try {
      indexLogIdentifiers(state, files.log);
    } finally {
      state.close();
    }
    for (const { name } of present) log.exec(`DROP INDEX ${name}`);
  } finally {
    log.close();
  }
}
