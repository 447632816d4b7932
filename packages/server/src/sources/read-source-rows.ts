import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import type { SourceBody } from './source.schema.js';

/** A row read from a source, with its cursor and key as text (their exact values, for the next page). */
export interface SourceRow {
  values: Record<string, unknown>;
  cursor: string;
  key: string;
}

/** Where a page starts: after this row (cursor, then key), or at the start. */
export type After = { value: string; key: string } | null;

/** Reads a source's rows in pages, in (cursor, key) order, inside a read-only transaction. */
export interface SourceReader {
  page(after: After, limit: number): Promise<SourceRow[]>;
  close(): Promise<void>;
}

const CURSOR = '__tailor_cursor';
const KEY = '__tailor_key';

/** Opens a reader on a source: PostgreSQL or MySQL / MariaDB, by its kind. */
export async function openSourceReader(
  source: SourceBody,
  timeoutMs = 10_000,
): Promise<SourceReader> {
  return source.kind === 'postgres'
    ? openPgReader(source, timeoutMs)
    : openMysqlReader(source, timeoutMs);
}

function fromClause(source: SourceBody, quote: (name: string) => string): string {
  if (source.table !== undefined) return source.table.split('.').map(quote).join('.');
  return `(${source.query ?? ''}) AS source_rows`;
}

async function openPgReader(source: SourceBody, timeoutMs: number): Promise<SourceReader> {
  const client = new pg.Client({
    connectionString: source.url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs * 6,
  });
  client.on('error', () => undefined); // a dropped connection: the next query reports it
  await client.connect();
  const q = pg.escapeIdentifier;
  const [c, k] = [q(source.cursor), q(source.key)];
  const from = fromClause(source, q);
  return {
    page: async (after, limit) => {
      await client.query('BEGIN READ ONLY');
      try {
        const where = after === null ? '' : `WHERE (${c}, ${k}) > ($1, $2)`;
        const { rows } = await client.query<Record<string, unknown>>(
          `SELECT *, ${c}::text AS ${CURSOR}, ${k}::text AS ${KEY} FROM ${from} ${where} ORDER BY ${c}, ${k} LIMIT ${String(limit)}`,
          after === null ? [] : [after.value, after.key],
        );
        return rows.map(toSourceRow);
      } finally {
        await client.query('COMMIT').catch(() => undefined);
      }
    },
    close: () => client.end(),
  };
}

async function openMysqlReader(source: SourceBody, timeoutMs: number): Promise<SourceReader> {
  const connection: Connection = await createConnection({
    uri: source.url,
    connectTimeout: timeoutMs,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  connection.on('error', () => undefined);
  const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;
  const [c, k] = [q(source.cursor), q(source.key)];
  const from = fromClause(source, q);
  return {
    page: async (after, limit) => {
      await connection.query('START TRANSACTION READ ONLY');
      try {
        const where = after === null ? '' : `WHERE (${c}, ${k}) > (?, ?)`;
        const [rows] = await connection.query<RowDataPacket[]>(
          `SELECT source_page.*, CAST(${c} AS CHAR) AS ${CURSOR}, CAST(${k} AS CHAR) AS ${KEY} FROM (SELECT * FROM ${from}) AS source_page ${where} ORDER BY ${c}, ${k} LIMIT ${String(limit)}`,
          after === null ? [] : [after.value, after.key],
        );
        return rows.map((r) => toSourceRow(r as Record<string, unknown>));
      } finally {
        await connection.query('COMMIT').catch(() => undefined);
      }
    },
    close: () => connection.end(),
  };
}

function toSourceRow(row: Record<string, unknown>): SourceRow {
  const { [CURSOR]: cursor, [KEY]: key, ...values } = row;
  return { values, cursor: String(cursor), key: String(key) };
}

/** A column's value as the mapping reads cells: text, with dates in ISO 8601 and JSON as JSON; null as empty. */
export function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}
