import type { Job, JobStep } from '../jobs/job.js';
import type { PgDatabase } from '../storage/postgres/pg-database.js';
import type { Sealer } from './sealer.js';
import { SEALED_COLUMNS, sealedIn, type SealedColumn } from './sealed-values.js';

type Row = Record<string, unknown>;

const text = (value: unknown): string => String(value);

/**
 * Every sealed column of an installation's PostgreSQL schema: those both backends lay out alike
 * (sealed-values.ts) and the ones kept in PostgreSQL's own layout. A store that adds one adds it
 * there; the rotation test scans every bytea column for values under old keys, so one left out
 * fails it.
 */
export const PG_SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'profiles', key: ['id'], column: 'body', context: (r) => sealedIn.profile(text(r.id)) },
  {
    table: 'identities',
    key: ['type', 'value'],
    column: 'sealed',
    context: (r) => sealedIn.identifier(text(r.type), text(r.value)),
  },
  { table: 'profile_merges', key: ['seq'], column: 'sealed_reason', context: () => sealedIn.merge },
  {
    table: 'deliveries',
    key: ['id'],
    column: 'message',
    context: (r) => sealedIn.delivery(text(r.destination)),
  },
  ...SEALED_COLUMNS,
];

const PAGE = 500;

/** The sealed columns whose tables the schema has (a store not yet opened has made none). */
async function presentColumns(db: PgDatabase): Promise<SealedColumn[]> {
  const { rows } = await db.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()',
  );
  const present = new Set(rows.map((r) => r.table_name));
  return PG_SEALED_COLUMNS.filter((c) => present.has(c.table));
}

/** How many sealed values of the schema each data key holds (the key id is a value's bytes 1-2). */
export async function pgSealingKeys(db: PgDatabase): Promise<Map<number, number>> {
  const held = new Map<number, number>();
  for (const { table, column } of await presentColumns(db)) {
    const { rows } = await db.query<{ key: number; n: string }>(
      `SELECT get_byte(${column}, 1) * 256 + get_byte(${column}, 2) AS key, count(*) AS n
         FROM ${table}
        WHERE ${column} IS NOT NULL AND length(${column}) >= 31 AND get_byte(${column}, 0) IN (1, 2)
        GROUP BY 1`,
    );
    for (const { key, n } of rows) held.set(key, (held.get(key) ?? 0) + Number(n));
  }
  return held;
}

/**
 * A column's values still to reseal ($1: the current key id): all but those sealed in the current
 * format (2, with their context) under the current key, whose id is the header's bytes 1-2.
 */
const stale = (column: string): string =>
  `${column} IS NOT NULL AND NOT (length(${column}) >= 31 AND get_byte(${column}, 0) = 2
     AND get_byte(${column}, 1) * 256 + get_byte(${column}, 2) = $1)`;

/**
 * Data-key rotation on PostgreSQL as a `Job`: every sealed value of the installation's schema not
 * yet under the sealer's current key (in the current format) is opened (the keyring holds old and new keys) and sealed again
 * under it, a page of rows per step and transaction, so an interrupted rotation run again finishes
 * the job. The blind index is not changed (it keys the identities, the index of events and the
 * stream's headers alike), and the stream's messages stay as they were sealed: JetStream messages
 * cannot be rewritten in place.
 */
export class PgResealJob implements Job {
  readonly name = 'keys rotate';
  /** What the last step worked on, and how far into it. */
  table = { name: '', done: 0, total: 0 };
  private at = 0;
  private after: unknown[] | undefined;
  private done = 0;

  private constructor(
    private readonly db: PgDatabase,
    private readonly next: Sealer,
    private readonly current: number,
    private readonly columns: readonly (SealedColumn & { total: number })[],
    private readonly total: number,
  ) {}

  /** `current`: the key id `next` seals under; values already sealed under it (with their context) are left. */
  static async open(db: PgDatabase, next: Sealer, current: number): Promise<PgResealJob> {
    const columns: (SealedColumn & { total: number })[] = [];
    for (const c of await presentColumns(db)) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${c.table} WHERE ${stale(c.column)}`,
        [current],
      );
      columns.push({ ...c, total: Number(rows[0]?.n ?? 0) });
    }
    return new PgResealJob(
      db,
      next,
      current,
      columns,
      columns.reduce((n, c) => n + c.total, 0),
    );
  }

  async step(): Promise<JobStep> {
    for (let c = this.columns[this.at]; c !== undefined; c = this.columns[this.at]) {
      const rows = await this.resealPage(c);
      const last = rows[rows.length - 1];
      if (last !== undefined) {
        this.after = c.key.map((k) => last[k]);
        this.done += rows.length;
        const before = this.table.name === c.table ? this.table.done : 0;
        this.table = { name: c.table, done: before + rows.length, total: c.total };
        return {
          worked: rows.length,
          progress: { done: this.done, total: this.total },
          finished: false,
        };
      }
      this.at++;
      this.after = undefined;
    }
    return { worked: 0, finished: true };
  }

  /** Reseals the page of rows after `after` in one transaction; the rows read (none: the column is done). */
  private async resealPage(c: SealedColumn): Promise<Row[]> {
    const keys = c.key.join(', ');
    const after =
      this.after === undefined
        ? ''
        : `AND (${keys}) > (${c.key.map((_, i) => `$${String(i + 2)}`).join(', ')})`;
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT * FROM ${c.table} WHERE ${stale(c.column)} ${after}
          ORDER BY ${keys} LIMIT ${String(PAGE)} FOR UPDATE`,
        [this.current, ...(this.after ?? [])],
      );
      for (const row of rows) {
        const context = c.context(row);
        const sealed = this.next.seal(this.next.open(row[c.column] as Buffer, context), context);
        await client.query(
          `UPDATE ${c.table} SET ${c.column} = $1 WHERE ${c.key
            .map((k, i) => `${k} = $${String(i + 2)}`)
            .join(' AND ')}`,
          [sealed, ...c.key.map((k) => row[k])],
        );
      }
      return rows;
    });
  }
}
