import type Database from 'better-sqlite3';
import type { SealedValues } from '../../privacy/sealed-values.js';
import { announcementOf, type GraphChanges, type StoredMessage } from '@tailor/core';
import type { SqliteMigration } from '../../storage/sqlite/migrate-sqlite.js';
import { SEGMENT_SIZES_SCHEMA } from './sqlite-segment-sizes.js';

export const MEMBERSHIP_SCHEMA = `
CREATE TABLE IF NOT EXISTS segment_members (
  segment TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  since TEXT NOT NULL,
  PRIMARY KEY (segment, profile_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segment_history (
  seq INTEGER PRIMARY KEY,
  segment TEXT NOT NULL,
  profile_id TEXT NOT NULL,
  entered INTEGER NOT NULL,
  at TEXT NOT NULL,
  cause TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS segment_history_profile ON segment_history (profile_id, seq);
CREATE TABLE IF NOT EXISTS profile_timers (
  profile_id TEXT PRIMARY KEY,
  due_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS profile_timers_due ON profile_timers (due_at);
CREATE TABLE IF NOT EXISTS rfm_populations (
  key TEXT PRIMARY KEY,
  population TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS suppressions (
  hash TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_outbox (
  seq INTEGER PRIMARY KEY,
  message TEXT NOT NULL
);
`;

/** The membership tables' component in `schema_migrations` (in state.sqlite). */
export const MEMBERSHIP_COMPONENT = 'memberships';

/** Never edit an applied migration: a change is a new one at the end (docs/migrations.md). */
export const MEMBERSHIP_MIGRATIONS: readonly SqliteMigration[] = [
  { version: 1, name: 'baseline', up: MEMBERSHIP_SCHEMA },
  { version: 2, name: 'segment sizes over time', up: SEGMENT_SIZES_SCHEMA },
];

/**
 * Writes segment memberships, their history, time-based re-evaluation timers, and the entry and
 * exit events (and journey stage changes) to announce: those go to an outbox in the same transaction, and are appended to
 * the log after it commits (with messageIds derived from the history, so a retry stores nothing twice).
 */
export function membershipWriter(db: Database.Database, sealed: SealedValues) {
  const q = {
    enter: db.prepare(
      'INSERT OR REPLACE INTO segment_members (segment, profile_id, since) VALUES (?, ?, ?)',
    ),
    exit: db.prepare('DELETE FROM segment_members WHERE segment = ? AND profile_id = ?'),
    history: db.prepare(
      'INSERT INTO segment_history (segment, profile_id, entered, at, cause) VALUES (?, ?, ?, ?, ?)',
    ),
    setTimer: db.prepare(
      'INSERT OR REPLACE INTO profile_timers (profile_id, due_at) VALUES (?, ?)',
    ),
    clearTimer: db.prepare('DELETE FROM profile_timers WHERE profile_id = ?'),
    identifiers: db.prepare(
      'SELECT value, sealed FROM identities WHERE profile_id = ? AND type = ?',
    ),
    outbox: db.prepare('INSERT INTO log_outbox (message) VALUES (?)'),
  };
  // The first of a profile's ids of a type (identifier values are sealed, their index blind).
  const firstId = (profileId: string, type: string) => {
    const values = (
      q.identifiers.all(profileId, type) as { value: string; sealed: Buffer | null }[]
    ).map((r) => sealed.identifier.open(type, r.value, r.sealed));
    return values.length === 0 ? null : values.reduce((a, b) => (b < a ? b : a));
  };
  return (changes: GraphChanges): void => {
    for (const m of changes.memberships) {
      if (m.entered) q.enter.run(m.segment, m.profileId, m.at);
      else q.exit.run(m.segment, m.profileId);
      const seq = Number(
        q.history.run(m.segment, m.profileId, m.entered ? 1 : 0, m.at, m.cause).lastInsertRowid,
      );
      if (m.cause === 'merge') continue; // the person lives on in the surviving profile
      const idOf = (type: string) => firstId(m.profileId, type);
      const message: StoredMessage = {
        type: 'track',
        messageId: `segment:${seq}`,
        event: m.entered ? 'Segment Entered' : 'Segment Exited',
        userId: idOf('userId'),
        anonymousId: idOf('anonymousId'),
        properties: { segment: m.segment, profileId: m.profileId, cause: m.cause },
        timestamp: m.at,
        receivedAt: m.at,
        context: {},
        tailor: { source: 'segments' },
      };
      q.outbox.run(sealed.outbox.seal(message));
    }
    for (const a of changes.announced) {
      const ids = {
        userId: firstId(a.profileId, 'userId'),
        anonymousId: firstId(a.profileId, 'anonymousId'),
      };
      q.outbox.run(sealed.outbox.seal(announcementOf(a, ids)));
    }
    for (const [profileId, due] of changes.timers) {
      if (due === null) q.clearTimer.run(profileId);
      else q.setTimer.run(profileId, due);
    }
  };
}

/**
 * Erases a person's memberships, history, timer and pending announcements (their profile ids in
 * `family`), inside the profile store's erasing transaction: these tables are this module's.
 */
export function eraseSqliteMemberships(
  db: Database.Database,
  sealed: SealedValues,
  family: readonly string[],
): void {
  const ids = JSON.stringify(family);
  const inFamily = 'profile_id IN (SELECT value FROM json_each(?))';
  for (const table of ['segment_members', 'segment_history', 'profile_timers'])
    db.prepare(`DELETE FROM ${table} WHERE ${inFamily}`).run(ids);
  // Pending announcements are sealed: read them to find the family's (the outbox is short).
  const drop = db.prepare('DELETE FROM log_outbox WHERE seq = ?');
  for (const { seq, message } of db.prepare('SELECT seq, message FROM log_outbox').all() as {
    seq: number;
    message: string | Buffer;
  }[]) {
    const announced = sealed.outbox.open(message);
    const profileId = announced.properties?.profileId;
    if (typeof profileId === 'string' && family.includes(profileId)) drop.run(seq);
  }
}
