import type { StoredMessage } from '@tailor/core';

/** A column's type in the warehouse, chosen from the first value it receives. */
export type ColumnType = 'text' | 'double precision' | 'boolean' | 'jsonb' | 'timestamptz';

/** One row for one table: values by column, and the column types they would create. */
export interface WarehouseRow {
  table: string;
  values: Map<string, unknown>;
  types: Map<string, ColumnType>;
}

/** Tables with a fixed meaning; an event whose table name would be one of them gets `track_` in front. */
export const RESERVED_TABLES = new Set([
  'tracks',
  'identifies',
  'users',
  'pages',
  'screens',
  'groups',
  'aliases',
  'identities',
  'segment_memberships',
]);

/** Columns every message's row has; a property or trait of one of these names gets a prefix. */
const MESSAGE_COLUMNS: readonly (readonly [string, ColumnType])[] = [
  ['id', 'text'],
  ['user_id', 'text'],
  ['anonymous_id', 'text'],
  ['timestamp', 'timestamptz'],
  ['received_at', 'timestamptz'],
];

const MAX_NAME = 63; // PostgreSQL's identifier length

/**
 * A name as a warehouse column or table: lower snake case (`Order Completed` → `order_completed`,
 * `cartId` → `cart_id`), letters, digits and underscores only, not starting with a digit, at most
 * 63 characters; empty when nothing usable is left.
 */
export function warehouseName(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const safe = /^[0-9]/.test(snake) ? `_${snake}` : snake;
  return safe.slice(0, MAX_NAME);
}

/** The type a column gets from its first value (null and undefined make no column). */
export function columnTypeOf(value: unknown): ColumnType | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? 'double precision' : undefined;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'text';
  return 'jsonb';
}

/**
 * A value as a column of `type` takes it: numbers in a text column as text, numeric text in a
 * number column as a number; what does not fit is null (the column keeps its first type).
 */
export function coerce(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'double precision': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'jsonb':
      return JSON.stringify(value);
    case 'timestamp with time zone':
    case 'timestamptz':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function messageRow(table: string, m: StoredMessage): WarehouseRow {
  const values = new Map<string, unknown>([
    ['id', m.messageId],
    ['user_id', m.userId],
    ['anonymous_id', m.anonymousId],
    ['timestamp', m.timestamp],
    ['received_at', m.receivedAt],
  ]);
  return { table, values, types: new Map(MESSAGE_COLUMNS) };
}

/** Adds an object's top-level fields as columns (a field named like a fixed column gets `prefix`). */
function addFields(row: WarehouseRow, fields: unknown, prefix: string): void {
  if (typeof fields !== 'object' || fields === null) return;
  for (const [key, value] of Object.entries(fields)) {
    const base = warehouseName(key);
    if (base === '') continue;
    const column = row.types.has(base) ? warehouseName(`${prefix}_${base}`) : base;
    const type = columnTypeOf(value);
    if (type === undefined || row.types.has(column)) continue;
    row.types.set(column, type);
    row.values.set(column, value);
  }
}

function withText(row: WarehouseRow, column: string, value: string | null | undefined) {
  row.types.set(column, 'text');
  row.values.set(column, value ?? null);
  return row;
}

/** The table an event's rows go to beside `tracks`. */
export function eventTable(event: string): string {
  const name = warehouseName(event);
  if (name === '') return 'track_unnamed';
  return RESERVED_TABLES.has(name) ? `track_${name}`.slice(0, MAX_NAME) : name;
}

/**
 * The rows one message gives, laid out as Segment and RudderStack lay out their warehouses: every
 * track event in `tracks` and in a table of its own with a column per property; `identifies`,
 * `pages`, `screens`, `groups`, `aliases` with their traits or properties; `users` (one row per
 * userId, its latest traits); `identities` (which identifiers a userId was seen with); and
 * `segment_memberships` (each profile's current membership) from segment entries and exits.
 */
export function warehouseRows(m: StoredMessage): WarehouseRow[] {
  switch (m.type) {
    case 'track': {
      const event = m.event ?? '';
      const track = withText(messageRow('tracks', m), 'event', event);
      track.types.set('context', 'jsonb');
      track.values.set('context', m.context);
      const own = withText(messageRow(eventTable(event), m), 'event', event);
      addFields(own, m.properties, 'property');
      const rows = [track, own, ...identityRows(m)];
      const membership = membershipRow(m);
      if (membership !== undefined) rows.push(membership);
      return rows;
    }
    case 'identify': {
      const identify = messageRow('identifies', m);
      addFields(identify, m.traits, 'trait');
      const rows = [identify, ...identityRows(m)];
      if (m.userId !== null) rows.push(userRow(m));
      return rows;
    }
    case 'page':
    case 'screen': {
      const view = withText(messageRow(`${m.type}s`, m), 'name', m.name ?? null);
      addFields(view, m.properties, 'property');
      return [view, ...identityRows(m)];
    }
    case 'group': {
      const group = withText(messageRow('groups', m), 'group_id', m.groupId ?? null);
      addFields(group, m.traits, 'trait');
      return [group];
    }
    case 'alias': {
      const alias = withText(messageRow('aliases', m), 'previous_id', m.previousId ?? null);
      const rows = [alias];
      if (m.userId !== null && m.previousId)
        rows.push(identityRow(m.userId, 'previousId', m.previousId, m.timestamp));
      return rows;
    }
  }
}

/**
 * A person's current values in `users` (columns named as given, such as `computed_orders_30d`),
 * written as they are now whatever the row's timestamp: they are read from the profile at load
 * time, not carried by a message. Null values make no column.
 */
export function currentValuesRow(userId: string, values: Record<string, unknown>): WarehouseRow {
  const row: WarehouseRow = {
    table: 'users',
    values: new Map<string, unknown>([['id', userId]]),
    types: new Map<string, ColumnType>([['id', 'text']]),
  };
  for (const [name, value] of Object.entries(values)) {
    const column = warehouseName(name);
    const type = columnTypeOf(value);
    if (column === '' || type === undefined || row.types.has(column)) continue;
    row.types.set(column, type);
    row.values.set(column, value);
  }
  return row;
}

/** `users`: keyed by userId; its traits as columns, the latest identify's values winning. */
function userRow(m: StoredMessage): WarehouseRow {
  const row: WarehouseRow = {
    table: 'users',
    values: new Map<string, unknown>([
      ['id', m.userId],
      ['timestamp', m.timestamp],
      ['received_at', m.receivedAt],
    ]),
    types: new Map<string, ColumnType>([
      ['id', 'text'],
      ['timestamp', 'timestamptz'],
      ['received_at', 'timestamptz'],
    ]),
  };
  addFields(row, m.traits, 'trait');
  return row;
}

function identityRow(userId: string, type: string, value: string, at: string): WarehouseRow {
  return {
    table: 'identities',
    values: new Map<string, unknown>([
      ['user_id', userId],
      ['type', type],
      ['value', value],
      ['first_seen_at', at],
    ]),
    types: new Map<string, ColumnType>([
      ['user_id', 'text'],
      ['type', 'text'],
      ['value', 'text'],
      ['first_seen_at', 'timestamptz'],
    ]),
  };
}

/** A userId seen with an anonymousId links the two. */
function identityRows(m: StoredMessage): WarehouseRow[] {
  return m.userId !== null && m.anonymousId !== null
    ? [identityRow(m.userId, 'anonymousId', m.anonymousId, m.timestamp)]
    : [];
}

/** A segment entry or exit as the profile's current membership of that segment. */
function membershipRow(m: StoredMessage): WarehouseRow | undefined {
  if (m.event !== 'Segment Entered' && m.event !== 'Segment Exited') return undefined;
  const segment = m.properties?.segment;
  const profileId = m.properties?.profileId;
  if (typeof segment !== 'string' || typeof profileId !== 'string') return undefined;
  return {
    table: 'segment_memberships',
    values: new Map<string, unknown>([
      ['segment', segment],
      ['profile_id', profileId],
      ['member', m.event === 'Segment Entered'],
      ['user_id', m.userId],
      ['anonymous_id', m.anonymousId],
      ['changed_at', m.timestamp],
    ]),
    types: new Map<string, ColumnType>([
      ['segment', 'text'],
      ['profile_id', 'text'],
      ['member', 'boolean'],
      ['user_id', 'text'],
      ['anonymous_id', 'text'],
      ['changed_at', 'timestamptz'],
    ]),
  };
}
