import Database from 'better-sqlite3';
import { createPrivateFile } from '../../privacy/private-files.js';

/**
 * Opens a SQLite file the way every Tailor store uses it: WAL, full fsync on commit (an
 * acknowledged write survives a crash of the process or the machine), secure delete (erased data
 * is overwritten, not left in free pages), a larger checkpoint interval, and a busy timeout so a second process (an import)
 * can share the file.
 */
export interface SqliteOptions {
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * False when another thread checkpoints the file (`tailor serve`'s checkpointer), so no commit
   * on this connection ever copies the write-ahead log into the database inside a request.
   */
  autoCheckpoint?: boolean;
}

export function openSqlite(file: string, options: SqliteOptions = {}): Database.Database {
  // Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
  if (file !== ':memory:') createPrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL (no fsync per commit; a commit survives a crash of the process, not of the machine) only
  // where the caller says so: records nobody was promised, such as decide's exposures.
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  // Checkpoint the write-ahead log every 10,000 pages (~40 MB) rather than SQLite's 1,000: our
  // tables have random-key indexes (messageIds, identifiers), so each batched commit dirties pages
  // all over the file, and with the default nearly every commit also ran a checkpoint (pages
  // copied, the database fsynced). Measured: +25-37 % on ingestion, +30 % on the profile pipeline
  // (bench/RESULTS.md). Durability is unchanged: every commit still fsyncs the WAL.
  db.pragma(`wal_autocheckpoint = ${options.autoCheckpoint === false ? 0 : 10000}`);
  return db;
}
