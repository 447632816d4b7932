import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { StoredMessage } from '@tailor/core';
import { plainSealer, type Sealer } from '../../privacy/sealer.js';
import type { TouchFields, TouchKind } from '../touch-key.js';

/*
 * What attribution reads of the projection (docs/reports.md, "What attribution reads"): each
 * event that can be a touchpoint (every page event, Tailor's own touchpoints) carries the id of
 * its touch fields' combination (`touch`), and each track event whose `properties.revenue` is a
 * finite number carries it (`revenue`). A combination (`touch_combos`) is its kind and the ids
 * of its strings (`touch_strings`): campaign source, medium, name, content and term, the
 * referrer's host and the page's host; for Tailor's own touchpoints, name and content are the
 * journey and step, or the placement and item. Hosts only: no URL, path or query string.
 * The strings are sealed as the log's payloads are when encryption is on (a campaign's content or
 * term is free text a sender may fill with anything, an email address included): AES-256-GCM
 * bound to `touch_strings:ID`, base64 in the file. `touch_sealing` says how they were written; a
 * file whose strings were written in clear is sealed when opened with encryption on.
 */

/** The events table's columns for attribution (after `received_ms`). */
export const TOUCH_EVENT_COLUMNS = 'touch INTEGER, revenue DOUBLE';

export const TOUCH_SCHEMA = `
CREATE TABLE IF NOT EXISTS touch_strings (id INTEGER NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS touch_sealing (sealed BOOLEAN NOT NULL);
CREATE TABLE IF NOT EXISTS touch_combos (
  id INTEGER NOT NULL, kind TINYINT NOT NULL, source INTEGER NOT NULL, medium INTEGER NOT NULL,
  campaign INTEGER NOT NULL, content INTEGER NOT NULL, term INTEGER NOT NULL,
  referrer_host INTEGER NOT NULL, page_host INTEGER NOT NULL
);`;

const KINDS: readonly TouchKind[] = ['page', 'email_click', 'decision_click'];
/** The fields of a combination after its kind, in the table's order (string id 0: none). */
const FIELDS = ['source', 'medium', 'name', 'content', 'term', 'referrerHost', 'pageHost'] as const;

/**
 * A file made before events carried their touch fields is emptied, then projected again from the
 * log (the projection is derived, the log the truth), as when `received_ms` came. Emptied first:
 * DuckDB alters no table a transaction changed, so stopped in between it is done again.
 */
export async function addTouchColumns(db: DuckDBConnection): Promise<void> {
  const found = await db.runAndReadAll(
    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'touch'",
  );
  if (Number(found.getRows()[0]?.[0] ?? 0) > 0) return;
  await db.run('BEGIN TRANSACTION; DELETE FROM events; DELETE FROM projection_meta; COMMIT;');
  await db.run('ALTER TABLE events ADD COLUMN touch INTEGER');
  await db.run('ALTER TABLE events ADD COLUMN revenue DOUBLE');
}

/** A track event's `properties.revenue` when a finite number (what a conversion can weigh). */
export function revenueOf(message: StoredMessage): number | undefined {
  if (message.type !== 'track') return undefined;
  const revenue = message.properties?.revenue;
  return typeof revenue === 'number' && Number.isFinite(revenue) ? revenue : undefined;
}

/** Appends an event's touch and revenue columns (the appender's row being the events table's). */
export function appendTouch(
  appender: DuckDBAppender,
  touch: number | undefined,
  revenue: number | undefined,
): void {
  if (touch === undefined) appender.appendNull();
  else appender.appendInteger(touch);
  if (revenue === undefined || !Number.isFinite(revenue)) appender.appendNull();
  else appender.appendDouble(revenue);
}

/**
 * The combinations of touch fields and their strings, in memory and in the file: an id per
 * distinct combination, so an event stores one number and attribution keys each combination
 * once. New ones are saved in the transaction that appends their events.
 */
export class TouchDictionary {
  private strings = new Map<string, number>();
  private combos = new Map<string, number>();
  /** Each combination by id (holes: pruned). */
  private list: (TouchFields | undefined)[] = [];
  private nextString = 1;
  private newStrings: [number, string][] = [];
  private newCombos: [number, TouchFields, number[]][] = [];

  private constructor(private readonly sealer: Pick<Sealer, 'encrypts' | 'seal' | 'open'>) {}

  static async load(
    db: DuckDBConnection,
    sealer: Pick<Sealer, 'encrypts' | 'seal' | 'open'> = plainSealer,
  ): Promise<TouchDictionary> {
    const dictionary = new TouchDictionary(sealer);
    await dictionary.sealStrings(db);
    await dictionary.read(db);
    return dictionary;
  }

  /** With encryption on, seals the strings a file holds in clear (written before it was on). */
  private async sealStrings(db: DuckDBConnection): Promise<void> {
    const marked = await db.runAndReadAll('SELECT sealed FROM touch_sealing');
    const sealed = marked.getRows()[0]?.[0];
    if (sealed === true || (sealed === false && !this.sealer.encrypts)) return;
    if (sealed === undefined && !this.sealer.encrypts) {
      await db.run('INSERT INTO touch_sealing VALUES (false)');
      return;
    }
    const plain = await db.runAndReadAll('SELECT id, value FROM touch_strings');
    await db.run('BEGIN TRANSACTION');
    await db.run('DELETE FROM touch_strings');
    const appender = await db.createAppender('touch_strings');
    for (const [id, value] of plain.getRows()) {
      appender.appendInteger(Number(id));
      appender.appendVarchar(this.sealed(Number(id), String(value)));
      appender.endRow();
    }
    appender.closeSync();
    await db.run('DELETE FROM touch_sealing; INSERT INTO touch_sealing VALUES (true); COMMIT');
  }

  /** A string as the file keeps it: sealed for its row when encryption is on. */
  private sealed(id: number, value: string): string {
    if (!this.sealer.encrypts) return value;
    const stored = this.sealer.seal(value, `touch_strings:${String(id)}`);
    return typeof stored === 'string' ? stored : stored.toString('base64');
  }

  private opened(id: number, stored: string): string {
    if (!this.sealer.encrypts) return stored;
    return this.sealer.open(Buffer.from(stored, 'base64'), `touch_strings:${String(id)}`);
  }

  private async read(db: DuckDBConnection): Promise<void> {
    this.strings = new Map();
    this.combos = new Map();
    this.list = [];
    const byId = new Map<number, string>();
    this.nextString = 1;
    const strings = await db.runAndReadAll('SELECT id, value FROM touch_strings');
    for (const [id, stored] of strings.getRows()) {
      const value = this.opened(Number(id), String(stored));
      this.strings.set(value, Number(id));
      byId.set(Number(id), value);
      this.nextString = Math.max(this.nextString, Number(id) + 1);
    }
    const combos = await db.runAndReadAll(
      'SELECT id, kind, source, medium, campaign, content, term, referrer_host, page_host FROM touch_combos',
    );
    for (const [id, kind, ...ids] of combos.getRows()) {
      const fields: TouchFields = { kind: KINDS[Number(kind)] ?? 'page' };
      FIELDS.forEach((field, i) => {
        const value = byId.get(Number(ids[i]));
        if (value !== undefined) fields[field] = value;
      });
      this.list[Number(id)] = fields;
      this.combos.set(comboKey(fields), Number(id));
    }
  }

  /** Each combination by id (undefined: none of that id). */
  get all(): readonly (TouchFields | undefined)[] {
    return this.list;
  }

  /** The id of an event's combination (undefined: it carries none), made when new. */
  idOf(fields: TouchFields | undefined | null): number | undefined {
    if (fields === undefined || fields === null) return undefined;
    const key = comboKey(fields);
    let id = this.combos.get(key);
    if (id === undefined) {
      id = Math.max(this.list.length, 1);
      const ids = FIELDS.map((field) => this.stringId(fields[field]));
      const kept: TouchFields = { kind: fields.kind };
      for (const field of FIELDS) if (fields[field] !== undefined) kept[field] = fields[field];
      this.list[id] = kept;
      this.combos.set(key, id);
      this.newCombos.push([id, kept, ids]);
    }
    return id;
  }

  private stringId(value: string | undefined): number {
    if (value === undefined) return 0;
    let id = this.strings.get(value);
    if (id === undefined) {
      id = this.nextString++;
      this.strings.set(value, id);
      this.newStrings.push([id, value]);
    }
    return id;
  }

  /** Writes the strings and combinations made since the last save (in the caller's transaction). */
  async save(db: DuckDBConnection): Promise<void> {
    if (this.newStrings.length > 0) {
      const appender = await db.createAppender('touch_strings');
      for (const [id, value] of this.newStrings) {
        appender.appendInteger(id);
        appender.appendVarchar(this.sealed(id, value));
        appender.endRow();
      }
      appender.closeSync();
    }
    if (this.newCombos.length > 0) {
      const appender = await db.createAppender('touch_combos');
      for (const [id, fields, ids] of this.newCombos) {
        appender.appendInteger(id);
        appender.appendTinyInt(KINDS.indexOf(fields.kind));
        for (const s of ids) appender.appendInteger(s);
        appender.endRow();
      }
      appender.closeSync();
    }
    this.forgetUnsaved();
  }

  /** Forgets what was made since the last save, its transaction rolled back. */
  async rollback(db: DuckDBConnection): Promise<void> {
    this.forgetUnsaved();
    await this.read(db);
  }

  private forgetUnsaved(): void {
    this.newStrings = [];
    this.newCombos = [];
  }

  /**
   * After an erasure: the combinations no event carries any more, and the strings no
   * combination holds, leave the file (a campaign value only the erased person's pages carried
   * goes with them), checkpointed so the deleted rows leave it.
   */
  async prune(db: DuckDBConnection): Promise<void> {
    const gone = await db.runAndReadAll(
      `DELETE FROM touch_combos WHERE id NOT IN (SELECT DISTINCT touch FROM events WHERE touch IS NOT NULL)`,
    );
    if (Number(gone.getRows()[0]?.[0] ?? 0) === 0) return;
    await db.run(
      `DELETE FROM touch_strings WHERE id NOT IN (SELECT unnest([source, medium, campaign, content, term, referrer_host, page_host]) FROM touch_combos)`,
    );
    await db.run('CHECKPOINT');
    await this.read(db);
  }
}

/** A combination's key in memory. */
function comboKey(fields: TouchFields): string {
  let key: string = fields.kind;
  for (const field of FIELDS) key += `\u0000${fields[field] ?? '\u0001'}`;
  return key;
}
