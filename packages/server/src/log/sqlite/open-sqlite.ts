import Database from 'better-sqlite3';

/**
 * Opens a SQLite file the way every Tailor store uses it: WAL, full fsync on commit (an
 * acknowledged write survives a crash of the process or the machine), secure delete (erased data
 * is overwritten, not left in free pages), and a busy timeout so a second process (an import)
 * can share the file.
 */
export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  return db;
}
