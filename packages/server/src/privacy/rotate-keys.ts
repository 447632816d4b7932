import Database from 'better-sqlite3';
import type { StoredMessage } from '@tailor/core';
import { readBlindIndex, recordBlindIndex } from '../log/sqlite/check-blind-index.js';
import { indexLogIdentifiers } from '../store/sqlite/event-identifier-index.js';
import { forgetBanditCounts } from '../store/sqlite/sqlite-bandit-store.js';
import { bodyOf, profileColumns, type ProfileRow } from '../store/sqlite/sqlite-profile-store.js';
import type { Job, JobStep } from '../jobs/job.js';
import { createPrivateFile } from './private-files.js';
import { plainSealer, type Sealer } from './sealer.js';
import { SEALED_COLUMNS, sealedIn, sealedValues } from './sealed-values.js';

type Row = Record<string, unknown>;

/** One table's rows, paged by its key, each rewritten into new column values. */
interface Pass {
  table: string;
  key: string;
  rewrite: (row: Row) => Row;
}

const PAGE = 1000;

/** A page of one table's rows to reseal, or a step done whole (a rebuild), in the order run. */
type Stage =
  | {
      kind: 'pages';
      db: Database.Database;
      pass: Pass;
      total: number;
      /** Below every key of the table (keys are positive integers or text). */
      start: number | string;
    }
  | { kind: 'once'; table: string; run: () => void };

/**
 * Key rotation as a `Job`: reseals every sealed value of a data folder under the sealer's current
 * key and rebuilds the blind indexes under its index key; `next` must open everything (the keyring
 * holding old and new keys). Plain values (a folder written without encryption) are sealed too.
 * A step reseals one page of rows in one transaction (or does one rebuild), so an interrupted
 * rotation is run again from the top and finishes the job. Opened with `ResealJob.open`, closed
 * with `close()`; `table` names what the last step worked on.
 */
export class ResealJob implements Job {
  readonly name = 'keys rotate';
  /** What the last step worked on, and how far into it (for a progress bar per table). */
  table = { name: '', done: 0, total: 0 };
  private at = 0;
  private after: unknown;
  private done = 0;
  private readonly total: number;

  private constructor(
    private readonly dbs: readonly Database.Database[],
    private readonly stages: readonly Stage[],
  ) {
    this.total = stages.reduce((n, s) => n + (s.kind === 'pages' ? s.total : 1), 0);
    this.after = stages[0]?.kind === 'pages' ? stages[0].start : undefined;
  }

  static open(files: { log: string; state: string }, next: Sealer): ResealJob {
    const log = openForRotation(files.log);
    const state = openForRotation(files.state);
    for (const db of [log, state]) db.pragma('secure_delete = ON');
    // A folder written without encryption is the one place plain values are read as they are.
    const fromPlain = readBlindIndex(state)?.startsWith('hmac-') !== true;
    const pages = (db: Database.Database, pass: Pass): Stage[] =>
      tableExists(db, pass.table)
        ? [
            {
              kind: 'pages',
              db,
              pass,
              total: rowCount(db, pass.table),
              start: startOf(db, pass.table, pass.key),
            },
          ]
        : [];
    const stages: Stage[] = [
      ...pages(log, eventsPass(next)),
      ...statePasses(next, fromPlain).flatMap((pass) => pages(state, pass)),
      {
        kind: 'once',
        table: 'identities',
        run: () => {
          rebuildIdentities(state, next);
        },
      },
      // The log's id columns were blinded again: index its events under the new blinds.
      {
        kind: 'once',
        table: 'event index',
        run: () => {
          indexLogIdentifiers(state, files.log, { replace: true });
        },
      },
      {
        kind: 'once',
        table: 'blind index',
        run: () => {
          if (readBlindIndex(state) !== next.indexId) forgetBanditCounts(state);
          for (const db of [log, state]) {
            recordBlindIndex(db, next.indexId);
            db.pragma('wal_checkpoint(TRUNCATE)');
          }
        },
      },
    ];
    return new ResealJob([log, state], stages);
  }

  step(): Promise<JobStep> {
    for (let stage = this.stages[this.at]; stage !== undefined; stage = this.stages[this.at]) {
      if (stage.kind === 'once') {
        stage.run();
        this.table = { name: stage.table, done: 1, total: 1 };
        return Promise.resolve(this.advanced(1, true));
      }
      const rows = resealPage(stage.db, stage.pass, this.after);
      if (rows.length > 0) {
        this.after = rows[rows.length - 1]?.[stage.pass.key];
        const done =
          this.table.name === stage.pass.table ? this.table.done + rows.length : rows.length;
        this.table = { name: stage.pass.table, done, total: stage.total };
        return Promise.resolve(this.advanced(rows.length, false));
      }
      this.next();
    }
    return Promise.resolve({ worked: 0, finished: true });
  }

  close(): void {
    for (const db of this.dbs) db.close();
  }

  private advanced(worked: number, stageDone: boolean): JobStep {
    this.done += worked;
    if (stageDone) this.next();
    return {
      worked,
      progress: { done: this.done, total: this.total },
      finished: this.at >= this.stages.length,
    };
  }

  private next(): void {
    this.at++;
    const stage = this.stages[this.at];
    this.after = stage?.kind === 'pages' ? stage.start : undefined;
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
    // The columns both backends lay out alike, each one value sealed for a context of its row.
    ...SEALED_COLUMNS.map((c): Pass => ({
      table: c.table,
      key: c.key.join(),
      rewrite: sealed(c.column, c.context),
    })),
    {
      table: 'profiles',
      key: 'id',
      rewrite: (row) => {
        const profile = row as unknown as ProfileRow;
        const layer = sealedValues(next);
        const [traits, groups, derived, consent, body] = profileColumns(
          profile.id,
          bodyOf(profile, layer),
          layer,
        );
        return { traits, groups, derived, consent, sealed: body };
      },
    },
    // A merge's reason names an identifier: sealed in `sealed_reason` (rows written before that keep it in `reason`).
    {
      table: 'profile_merges',
      key: 'seq',
      rewrite: (row) => {
        const reasons = sealedValues(next).mergeReason;
        const reason = reasons.open(row.reason as string, row.sealed_reason as Buffer | null);
        const [plain, sealedReason] = reasons.columns(reason);
        return { reason: plain, sealed_reason: sealedReason };
      },
    },
    {
      table: 'deliveries',
      key: 'id',
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

function tableExists(db: Database.Database, table: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
    undefined
  );
}

/** A value below every key of the column: 0 for integer keys, '' for text (SQLite orders every number before any text). */
function startOf(db: Database.Database, table: string, key: string): number | string {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as {
    name: string;
    type: string;
  }[];
  return /INT/i.test(columns.find((c) => c.name === key)?.type ?? '') ? 0 : '';
}

function rowCount(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Reseals the page of rows after `after` in one transaction; the rows it read (none: the table is done). */
function resealPage(db: Database.Database, pass: Pass, after: unknown): Row[] {
  const rows = db
    .prepare(`SELECT * FROM ${pass.table} WHERE ${pass.key} > ? ORDER BY ${pass.key} LIMIT ${PAGE}`)
    .all(after) as Row[];
  let update: Database.Statement | undefined;
  db.transaction(() => {
    for (const row of rows) {
      const values = pass.rewrite(row);
      update ??= db.prepare(
        `UPDATE ${pass.table} SET ${Object.keys(values)
          .map((n) => `${n} = @${n}`)
          .join(', ')} WHERE ${pass.key} = @key`,
      );
      update.run({ ...values, key: row[pass.key] });
    }
  })();
  return rows;
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
