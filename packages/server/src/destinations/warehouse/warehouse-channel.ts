import pg from 'pg';
import type { StoredMessage } from '@tailor/core';
import {
  NO_INTERNAL,
  parseAllowlist,
  urlRefusal,
  type InternalAllowlist,
} from '../address-policy.js';
import type { Channel, ChannelResult } from '../channel.js';
import { failureClass } from '../delivery-failure.js';
import type { Delivery, Destination } from '../destination-store.js';
import { loadWarehouse, type KnownColumns } from './load-warehouse.js';
import { currentValuesRow, warehouseName, type WarehouseRow } from './warehouse-rows.js';

export interface WarehouseChannelOptions {
  /** Internal addresses and host names destinations may reach (`destinations.allowInternal`). */
  allowInternal?: readonly string[] | undefined;
  /** The longest a connection may take to open and a load may run, in ms. */
  timeoutMs: number;
  /**
   * A userId's current computed values and scores as `users` columns (`computed_NAME`,
   * `score_MODEL`), as the destination may see them (its purpose's consent, its `pii` mode), or
   * undefined when nobody holds it or they refused the purpose: refreshed for each person a load
   * names.
   */
  currentValues?: (
    userId: string,
    destination: Destination,
  ) => Promise<Record<string, unknown> | undefined>;
}

/** A warehouse's connection, kept while its destination keeps the same URL. */
interface Connection {
  url: string;
  pool: pg.Pool;
  known: KnownColumns;
}

/** The schema a warehouse destination writes: its own `schema`, else its name as a warehouse name. */
export function warehouseSchema(destination: Pick<Destination, 'name' | 'schema'>): string {
  return destination.schema ?? (warehouseName(destination.name) || 'tailor');
}

/** Why a warehouse connection URL is refused, or undefined: PostgreSQL URLs only, and the address policy of webhooks. */
export function warehouseUrlRefusal(url: string, allow: InternalAllowlist): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url is not a valid URL';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    return 'a warehouse url is a PostgreSQL URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE';
  if (parsed.hostname === '') return 'a warehouse url names its host';
  return urlRefusal(`http://${parsed.host}/`, allow);
}

/** The URL with its password left out, as shown back. */
export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '';
  return parsed.toString();
}

/**
 * The `warehouse` destination type (the `Channel` extension point): a batch of messages, already
 * filtered by consent and masked as the destination's `pii` says, is loaded into the destination's
 * PostgreSQL schema in one transaction (docs/warehouse.md). The connection URL, password included,
 * is the destination's sealed secret. Loads are idempotent, so the dispatcher's retries are safe.
 */
export class WarehouseChannel implements Channel {
  readonly type = 'warehouse';
  private readonly allow: InternalAllowlist;
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly options: WarehouseChannelOptions) {
    this.allow =
      options.allowInternal === undefined ? NO_INTERNAL : parseAllowlist(options.allowInternal);
  }

  refusal(destination: Destination): string | undefined {
    return warehouseUrlRefusal(destination.secret, this.allow);
  }

  async deliver(destination: Destination, batch: readonly Delivery[]): Promise<ChannelResult> {
    const refused = this.refusal(destination);
    if (refused !== undefined) return { delivered: false, error: refused, failure: 'permanent' };
    const connection = this.connectionOf(destination);
    try {
      const messages = batch.map((d) => d.message);
      const current = await this.currentRows(messages, destination);
      const client = await connection.pool.connect();
      try {
        await loadWarehouse(
          client,
          warehouseSchema(destination),
          messages,
          connection.known,
          current,
        );
      } finally {
        client.release();
      }
      return { delivered: true };
    } catch (cause) {
      return { delivered: false, error: failureClass(cause), failure: 'retryable', detail: cause };
    }
  }

  /** The current values of the people a batch names by userId, as `users` rows. */
  private async currentRows(
    messages: readonly StoredMessage[],
    destination: Destination,
  ): Promise<WarehouseRow[]> {
    const read = this.options.currentValues;
    if (read === undefined) return [];
    const rows: WarehouseRow[] = [];
    for (const userId of new Set(messages.map((m) => m.userId))) {
      if (userId === null) continue;
      const values = await read(userId, destination);
      // Nothing computed: no row (users otherwise holds the people identified).
      if (values !== undefined && Object.keys(values).length > 0)
        rows.push(currentValuesRow(userId, values));
    }
    return rows;
  }

  /** Removes rows about a person from every table of a destination's schema (erasure). */
  async erase(
    destination: Destination,
    person: { userIds: string[]; anonymousIds: string[]; profileIds: string[] },
  ): Promise<void> {
    if (this.refusal(destination) !== undefined) return;
    const { pool } = this.connectionOf(destination);
    const schema = warehouseSchema(destination);
    const { rows } = await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = $1 AND column_name IN ('id', 'user_id', 'anonymous_id', 'profile_id', 'previous_id', 'value')`,
      [schema],
    );
    const ids = [...person.userIds, ...person.anonymousIds];
    const matches: Record<string, string[]> = {
      user_id: person.userIds,
      anonymous_id: person.anonymousIds,
      profile_id: person.profileIds,
      previous_id: ids,
      value: ids,
    };
    const byTable = new Map<string, string[]>();
    for (const r of rows) {
      // `id` names a person only in `users`; elsewhere it is a messageId.
      if (r.column_name === 'id' && r.table_name !== 'users') continue;
      const list = byTable.get(r.table_name) ?? [];
      list.push(r.column_name);
      byTable.set(r.table_name, list);
    }
    for (const [table, columns] of byTable) {
      const values: string[][] = [];
      const where = columns.map((column) => {
        values.push(column === 'id' ? person.userIds : (matches[column] ?? []));
        return `${pg.escapeIdentifier(column)} = ANY($${values.length}::text[])`;
      });
      await pool.query(
        `DELETE FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} WHERE ${where.join(' OR ')}`,
        values,
      );
    }
  }

  async close(): Promise<void> {
    const pools = [...this.connections.values()].map((c) => c.pool);
    this.connections.clear();
    await Promise.all(pools.map((pool) => pool.end()));
  }

  private connectionOf(destination: Destination): Connection {
    const current = this.connections.get(destination.name);
    if (current?.url === destination.secret) return current;
    if (current !== undefined) void current.pool.end().catch(() => undefined);
    const pool = new pg.Pool({
      connectionString: destination.secret,
      max: 2,
      connectionTimeoutMillis: this.options.timeoutMs,
      query_timeout: this.options.timeoutMs,
    });
    pool.on('error', () => undefined); // an idle client's failure: the next load reports it
    const connection = { url: destination.secret, pool, known: new Map() };
    this.connections.set(destination.name, connection);
    return connection;
  }
}
