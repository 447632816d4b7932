import type Database from 'better-sqlite3';
import { TailorError } from '@tailor/core';
import type { Sealer } from '../../privacy/sealer.js';

/**
 * A file's identifier lookups only work under the blind index they were written with, so each
 * file records it (`tailor_meta.blind_index`) and is refused, with what to do, when opened under
 * another: encryption turned on for a plain folder, off for an encrypted one, or the wrong key file.
 * A file made before this record existed and already holding rows was written plain.
 */
export function checkBlindIndex(
  db: Database.Database,
  sealer: Sealer,
  table: string,
  file: string,
): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS tailor_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
  );
  if (readBlindIndex(db) === undefined) {
    const holdsRows = db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
    db.prepare("INSERT OR IGNORE INTO tailor_meta (key, value) VALUES ('blind_index', ?)").run(
      holdsRows ? 'plain' : sealer.indexId,
    );
  }
  const recorded = readBlindIndex(db);
  if (recorded === sealer.indexId) return;
  const why =
    recorded === 'plain'
      ? 'holds data written without encryption: encrypt it once with `tailor keys rotate` (server stopped), or set privacy.encryption.enabled to false'
      : sealer.indexId === 'plain'
        ? 'is encrypted, and encryption cannot be turned off for it (privacy.encryption.enabled is false)'
        : `was indexed under another key (${recorded}) than the keyring's (${sealer.indexId}): a wrong key file, or an interrupted \`tailor keys rotate\` to run again`;
  throw new TailorError('invalid_request', `${file} ${why}`);
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
