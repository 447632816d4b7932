import type { PoolClient } from 'pg';
import pg from 'pg';
import type { StoredMessage } from '@tailor/core';
import { coerce, warehouseRows, type ColumnType, type WarehouseRow } from './warehouse-rows.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/** The key of each table (message tables: `id`), and the column whose later value wins an upsert. */
const KEYS: Record<string, readonly string[]> = {
  users: ['id'],
  identities: ['user_id', 'type', 'value'],
  segment_memberships: ['segment', 'profile_id'],
};
const LATEST: Record<string, string> = { users: 'timestamp', segment_memberships: 'changed_at' };
const keyOf = (table: string) => KEYS[table] ?? ['id'];

/** PostgreSQL's limit on parameters in one statement is 65,535. */
const MAX_PARAMETERS = 60_000;

/** The columns of a warehouse schema's tables, by table, with their types as PostgreSQL names them. */
export type KnownColumns = Map<string, Map<string, string>>;

/**
 * Loads a batch of messages into a warehouse schema in one transaction: tables and columns made
 * as first needed (a new property adds a column), every row keyed so that loading the same batch
 * again changes nothing (messages by messageId; `users`, `identities` and `segment_memberships`
 * upserted, the later value winning). Loads of one schema are serialized by an advisory lock, so
 * nodes loading at once do not race on its tables.
 */
export async function loadWarehouse(
  client: PoolClient,
  schema: string,
  messages: readonly StoredMessage[],
  known: KnownColumns,
  /** `users` rows of values read now (`currentValuesRow`): written after the messages', unconditionally. */
  current: readonly WarehouseRow[] = [],
): Promise<void> {
  const rows = collapse(messages.flatMap(warehouseRows));
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `tailor warehouse ${schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
    if (known.size === 0) await readColumns(client, schema, known);
    for (const [table, ofTable] of groupBy(rows, (r) => r.table)) {
      await ensureColumns(client, schema, table, ofTable, known);
      for (const group of groupBy(ofTable, (r) => [...r.values.keys()].join('\u0000')).values())
        await insert(client, schema, table, group, known.get(table) ?? new Map<string, string>());
    }
    if (current.length > 0) {
      await ensureColumns(client, schema, 'users', current, known);
      for (const group of groupBy(current, (r) => [...r.values.keys()].join('\u0000')).values())
        await insert(
          client,
          schema,
          'users',
          group,
          known.get('users') ?? new Map<string, string>(),
          'now',
        );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    known.clear(); // read again: another node may have changed the schema meanwhile
    throw error;
  }
}

/**
 * One row per key for the upserted tables, as one statement may touch a row once: the values of
 * the later row (by its time column) win, an earlier one's only fill the columns the later lacks.
 */
function collapse(rows: readonly WarehouseRow[]): WarehouseRow[] {
  const out: WarehouseRow[] = [];
  const merged = new Map<string, WarehouseRow>();
  for (const row of rows) {
    if (LATEST[row.table] === undefined) {
      out.push(row);
      continue;
    }
    const key = `${row.table}\u0000${keyOf(row.table)
      .map((k) => String(row.values.get(k)))
      .join('\u0000')}`;
    const previous = merged.get(key);
    if (previous === undefined) {
      const copy = { table: row.table, values: new Map(row.values), types: new Map(row.types) };
      merged.set(key, copy);
      out.push(copy);
      continue;
    }
    const time = LATEST[row.table] ?? '';
    const later = String(row.values.get(time)) >= String(previous.values.get(time));
    for (const [column, value] of row.values)
      if (later || !previous.values.has(column)) previous.values.set(column, value);
    for (const [column, type] of row.types)
      if (!previous.types.has(column)) previous.types.set(column, type);
  }
  return out;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

async function readColumns(client: PoolClient, schema: string, known: KnownColumns) {
  const { rows } = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
  }>(
    'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
    [schema],
  );
  for (const r of rows) {
    let columns = known.get(r.table_name);
    if (columns === undefined) known.set(r.table_name, (columns = new Map<string, string>()));
    columns.set(r.column_name, r.data_type);
  }
}

/** Makes the table if missing, then the columns its rows bring that it does not have yet. */
async function ensureColumns(
  client: PoolClient,
  schema: string,
  table: string,
  rows: readonly WarehouseRow[],
  known: KnownColumns,
): Promise<void> {
  const wanted = new Map<string, ColumnType>();
  for (const row of rows)
    for (const [column, type] of row.types) if (!wanted.has(column)) wanted.set(column, type);
  let columns = known.get(table);
  const target = `${ident(schema)}.${ident(table)}`;
  if (columns === undefined) {
    const key = keyOf(table);
    const definitions = key.map((k) => `${ident(k)} ${wanted.get(k) ?? 'text'} NOT NULL`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${target} (${definitions.join(', ')}, PRIMARY KEY (${key.map(ident).join(', ')}))`,
    );
    known.set(table, (columns = new Map(key.map((k) => [k, pgTypeName(wanted.get(k) ?? 'text')]))));
  }
  for (const [column, type] of wanted) {
    if (columns.has(column)) continue;
    await client.query(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS ${ident(column)} ${type}`);
    columns.set(column, pgTypeName(type));
  }
}

/** How information_schema names a type this module writes. */
function pgTypeName(type: ColumnType): string {
  return type === 'timestamptz' ? 'timestamp with time zone' : type;
}

/** Rows with the same columns in as few INSERTs as the parameter limit allows. */
async function insert(
  client: PoolClient,
  schema: string,
  table: string,
  rows: readonly WarehouseRow[],
  columns: Map<string, string>,
  /** `by time`: an upserted row is replaced by a later one only; `now`: values read now always replace. */
  order: 'by time' | 'now' = 'by time',
): Promise<void> {
  const names = [...(rows[0]?.values.keys() ?? [])];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, names.length)));
  const key = keyOf(table);
  const latest = LATEST[table];
  const updates = names.filter((n) => !key.includes(n));
  const set = `DO UPDATE SET ${updates.map((n) => `${ident(n)} = EXCLUDED.${ident(n)}`).join(', ')}`;
  const onConflict =
    latest === undefined || updates.length === 0
      ? 'DO NOTHING'
      : order === 'now'
        ? set
        : `${set} WHERE target.${ident(latest)} IS NULL OR target.${ident(latest)} <= EXCLUDED.${ident(latest)}`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = names.map((name) => {
        values.push(coerce(row.values.get(name), columns.get(name) ?? 'text'));
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${ident(schema)}.${ident(table)} AS target (${names.map(ident).join(', ')}) VALUES ${tuples.join(
        ', ',
      )} ON CONFLICT (${key.map(ident).join(', ')}) ${onConflict}`,
      values,
    );
  }
}
