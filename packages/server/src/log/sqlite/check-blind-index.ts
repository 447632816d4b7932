import type Database from 'better-sqlite3';
import type { SealedValues } from '../../privacy/sealed-values.js';

/**
 * A file's identifier lookups only work under the blind index they were written with, so each
 * file records it (`tailor_meta.blind_index`) and is refused, with what to do, when opened under
 * another: encryption turned on for a plain folder, off for an encrypted one, or the wrong key file.
 * A file made before this record existed and already holding rows was written plain.
 */
export function checkBlindIndex(
  db: Database.Database,
  sealed: SealedValues,
  table: string,
  file: string,
): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS tailor_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
  );
  if (readBlindIndex(db) === undefined) {
    const holdsRows = db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
    db.prepare("INSERT OR IGNORE INTO tailor_meta (key, value) VALUES ('blind_index', ?)").run(
      holdsRows ? 'plain' : sealed.indexId,
    );
  }
  sealed.checkIndex(readBlindIndex(db) ?? 'plain', file);
}

export function readBlindIndex(db: Database.Database): string | undefined {
  return (
    db.prepare("SELECT value FROM tailor_meta WHERE key = 'blind_index'").get() as
      { value: string } | undefined
  )?.value;
}

export function recordBlindIndex(db: Database.Database, indexId: string): void {
  db.prepare(
    "INSERT INTO tailor_meta (key, value) VALUES ('blind_index', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run(indexId);
}
