import Database from 'better-sqlite3';
import type { StoredMessage } from '@tailor/core';
import { readBlindIndex, recordBlindIndex } from '../log/sqlite/check-blind-index.js';
import { indexLogIdentifiers } from '../store/sqlite/event-identifier-index.js';
import { forgetBanditCounts } from '../store/sqlite/sqlite-bandit-store.js';
import { bodyOf, profileColumns, type ProfileRow } from '../store/sqlite/sqlite-profile-store.js';
import { createPrivateFile } from './private-files.js';
import { plainSealer, sealedIn, type Sealer } from './sealer.js';

type Row = Record<string, unknown>;

/** One table's rows, paged by its key, each rewritten into new column values. */
interface Pass {
  table: string;
  key: string;
  /** Below every key of the table (keys are positive integers or text). */
  start: number | string;
  rewrite: (row: Row) => Row;
}

const PAGE = 1000;

/**
 * Reseals every sealed value of a data folder under the sealer's current key and rebuilds the
 * blind indexes under its index key: `next` must open everything (the keyring holding old and
 * new keys). Plain values (a folder written without encryption) are sealed too. Each page of
 * rows is one transaction, so an interrupted rotation is run again and finishes the job.
 */
export function resealFolder(
  files: { log: string; state: string },
  next: Sealer,
  progress: (table: string, done: number, total: number) => void,
): void {
  const log = openForRotation(files.log);
  const state = openForRotation(files.state);
  try {
    for (const db of [log, state]) db.pragma('secure_delete = ON');
    reseal(log, progress, eventsPass(next));
    // A folder written without encryption is the one place plain values are read as they are.
    const fromPlain = readBlindIndex(state)?.startsWith('hmac-') !== true;
    for (const pass of statePasses(next, fromPlain)) reseal(state, progress, pass);
    rebuildIdentities(state, next);
    // The log's id columns were blinded again: index its events under the new blinds.
    indexLogIdentifiers(state, files.log, { replace: true });
    if (readBlindIndex(state) !== next.indexId) forgetBanditCounts(state);
    for (const db of [log, state]) {
      recordBlindIndex(db, next.indexId);
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
  } finally {
    log.close();
    state.close();
  }
}

/**
 * A connection that fsyncs every commit (synchronous=FULL): a WAL file reopened defaults to NORMAL,
 * under which the last pages resealed before a machine crash could be lost after the old keys are
 * dropped from the key file.
 */
export function openForRotation(file: string): Database.Database {
  createPrivateFile(file);
  const db = new Database(file);
  db.pragma('synchronous = FULL');
  return db;
}

const messageOf = (text: string) => JSON.parse(text) as StoredMessage;

/** Payloads were written plain (codec 0) or sealed (1); both are sealed now, and the id columns blinded again. */
function eventsPass(next: Sealer): Pass {
  return {
    table: 'events',
    key: 'position',
    start: 0,
    rewrite: (row) => {
      const context = sealedIn.event(row.message_id as string);
      const text =
        row.codec === 1
          ? next.open(row.payload as Buffer, context)
          : plainSealer.open(row.payload as string | Buffer, context);
      const m = messageOf(text);
      return {
        codec: 1,
        payload: next.seal(text, context),
        user_id: next.blind('userId', m.userId),
        anonymous_id: next.blind('anonymousId', m.anonymousId),
      };
    },
  };
}

/**
 * Opens a value for resealing: values sealed before contexts (format 1) open anywhere and are
 * sealed again with theirs; plain text only in a folder written without encryption (`fromPlain`).
 */
function opener(next: Sealer, fromPlain: boolean) {
  return (value: unknown, context: string): string => {
    if (typeof value === 'string' && fromPlain) return value;
    return next.open(value as string | Buffer, context);
  };
}

function statePasses(next: Sealer, fromPlain: boolean): Pass[] {
  const open = opener(next, fromPlain);
  const sealed = (column: string, contextOf: (row: Row) => string) => (row: Row) => {
    const context = contextOf(row);
    return { [column]: next.seal(open(row[column], context), context) };
  };
  return [
    {
      table: 'profiles',
      key: 'id',
      start: '',
      rewrite: (row) => {
        const profile = row as unknown as ProfileRow;
        const [traits, groups, derived, consent, body] = profileColumns(
          profile.id,
          bodyOf(profile, next),
          next,
        );
        return { traits, groups, derived, consent, sealed: body };
      },
    },
    {
      table: 'groups',
      key: 'id',
      start: '',
      rewrite: sealed('traits', (row) => sealedIn.group(row.id as string)),
    },
    {
      table: 'identity_conflicts',
      key: 'seq',
      start: 0,
      rewrite: sealed('record', () => sealedIn.conflict),
    },
    {
      table: 'match_reviews',
      key: 'id',
      start: 0,
      rewrite: sealed('comparison', () => sealedIn.review),
    },
    {
      table: 'log_outbox',
      key: 'seq',
      start: 0,
      rewrite: sealed('message', () => sealedIn.outbox),
    },
    // Webhook secrets (sealed since the destination store's open, which `keys rotate` runs first).
    {
      table: 'destinations',
      key: 'name',
      start: '',
      rewrite: sealed('secret', (row) => sealedIn.destinationSecret(row.name as string)),
    },
    {
      table: 'deliveries',
      key: 'id',
      start: 0,
      rewrite: (row) => {
        const context = sealedIn.delivery(row.destination as string);
        const text = open(row.message, context);
        const m = messageOf(text);
        return {
          message: next.seal(text, context),
          user_key: next.blind('userId', m.userId),
          anonymous_key: next.blind('anonymousId', m.anonymousId),
        };
      },
    },
  ];
}

function reseal(
  db: Database.Database,
  progress: (table: string, done: number, total: number) => void,
  pass: Pass,
): void {
  const exists =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(pass.table) !==
    undefined;
  if (!exists) return;
  const total = (db.prepare(`SELECT count(*) AS n FROM ${pass.table}`).get() as { n: number }).n;
  const page = db.prepare(
    `SELECT * FROM ${pass.table} WHERE ${pass.key} > ? ORDER BY ${pass.key} LIMIT ${PAGE}`,
  );
  let update: Database.Statement | undefined;
  const rewritePage = db.transaction((rows: Row[]) => {
    for (const row of rows) {
      const values = pass.rewrite(row);
      update ??= db.prepare(
        `UPDATE ${pass.table} SET ${Object.keys(values)
          .map((n) => `${n} = @${n}`)
          .join(', ')} WHERE ${pass.key} = @key`,
      );
      update.run({ ...values, key: row[pass.key] });
    }
  });
  let after: unknown = pass.start;
  let done = 0;
  for (let rows = page.all(after) as Row[]; rows.length > 0; rows = page.all(after) as Row[]) {
    rewritePage(rows);
    done += rows.length;
    after = rows[rows.length - 1]?.[pass.key];
    progress(pass.table, done, total);
  }
}

interface IdentityRow {
  type: string;
  value: string;
  profile_id: string;
  sealed: Buffer | null;
}

/** Identifiers are keyed by their blind index, so the table is written anew under the new one (in one transaction). */
function rebuildIdentities(db: Database.Database, next: Sealer): void {
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS identities_next;
      CREATE TABLE identities_next (
        type TEXT NOT NULL, value TEXT NOT NULL, profile_id TEXT NOT NULL, sealed BLOB, PRIMARY KEY (type, value)
      ) WITHOUT ROWID`);
    const insert = db.prepare(
      'INSERT INTO identities_next (type, value, profile_id, sealed) VALUES (?, ?, ?, ?)',
    );
    const page = db.prepare(
      `SELECT type, value, profile_id, sealed FROM identities WHERE (type, value) > (?, ?) ORDER BY type, value LIMIT ${PAGE}`,
    );
    let after = ['', ''];
    for (
      let rows = page.all(...after) as IdentityRow[];
      rows.length > 0;
      rows = page.all(...after) as IdentityRow[]
    ) {
      for (const row of rows) {
        const plain =
          row.sealed === null
            ? row.value
            : next.open(row.sealed, sealedIn.identifier(row.type, row.value));
        const blind = next.blind(row.type, plain);
        insert.run(
          row.type,
          blind,
          row.profile_id,
          next.seal(plain, sealedIn.identifier(row.type, blind)),
        );
      }
      const last = rows[rows.length - 1] as IdentityRow;
      after = [last.type, last.value];
    }
    db.exec(`DROP TABLE identities;
      ALTER TABLE identities_next RENAME TO identities;
      CREATE INDEX identities_profile ON identities (profile_id);`);
  })();
}
