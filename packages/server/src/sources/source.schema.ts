import { Type, type Static } from 'typebox';
import { CsvMapping } from '../import/csv-mapping.js';

/** A database table kept in sync as messages (PUT /v1/sources/NAME; docs/sources.md). */
export const SourceBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('postgres'), Type.Literal('mysql')], {
      description: 'PostgreSQL, or MySQL / MariaDB',
    }),
    url: Type.String({
      minLength: 8,
      maxLength: 2048,
      pattern: '^(postgres|postgresql|mysql)://',
      description:
        'Connection URL, password included: kept sealed, never logged, shown back without the password',
    }),
    table: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$',
        description: 'The table (or schema.table) read; or give `query`',
      }),
    ),
    query: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 8192,
        pattern: '^\\s*([Ss][Ee][Ll][Ee][Cc][Tt]|[Ww][Ii][Tt][Hh])\\s',
        description:
          'A read-only query (SELECT or WITH), read as a subquery; or give `table`. It runs in a read-only transaction',
      }),
    ),
    key: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'The column that identifies a row (its primary key)',
    }),
    cursor: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description:
        'An increasing column (`updated_at`, or an increasing id): each sync reads only rows past the last one synced',
    }),
    mapping: SourceMapping(),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    everyMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_080,
        description: 'Sync on a schedule, every this many minutes (by one node); none: on request',
      }),
    ),
    deletes: Type.Optional(SoftDeletes()),
  },
  { additionalProperties: false },
);
export type SourceBody = Static<typeof SourceBody>;

/** One mapping (a message per row), or several (a message of each per row: an event and traits). */
function SourceMapping() {
  return Type.Union([CsvMapping, Type.Array(CsvMapping, { minItems: 1, maxItems: 5 })], {
    description:
      "The CSV mapping's format (docs/import.md); a list of up to 5 makes a message of each from every row, such as an orders table's `Order Completed` event and its customer's traits",
  });
}

/** How rows soft-deleted at the source are mirrored (docs/sources.md, "Deletions at the source"). */
function SoftDeletes() {
  return Type.Object(
    {
      column: Type.String({
        minLength: 1,
        maxLength: 63,
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        description:
          'The soft-delete column (`deleted_at`, `is_deleted`): a row is deleted when it holds a value other than empty, false, 0 or no',
      }),
      as: Type.Union([Type.Literal('trait'), Type.Literal('erasure')], {
        description:
          '`trait`: the person gets the trait `deleted` (true or false, with an identify mapping); `erasure`: a deleted row files an erasure request for its person instead of being imported',
      }),
    },
    { additionalProperties: false },
  );
}

/** Where a source's syncs stand. */
export const SourceStatus = Type.Object({
  /** The last row synced: its cursor and key, as text. */
  cursor: Type.Union([Type.Null(), Type.Object({ value: Type.String(), key: Type.String() })]),
  lastSyncAt: Type.Union([Type.String(), Type.Null()]),
  /** When a sync last started (a scheduled one is due `everyMinutes` after it, failed or not). */
  lastAttemptAt: Type.Optional(Type.String()),
  lastError: Type.Union([Type.String(), Type.Null()]),
  rowsRead: Type.Integer(),
  messagesStored: Type.Integer(),
  duplicates: Type.Integer(),
  /** Rows that did not map to a valid message: their key and reason, never their values (the latest 20). */
  rejected: Type.Array(Type.Object({ key: Type.String(), reason: Type.String() })),
  /** Erasure requests filed for rows deleted at the source (`deletes.as` = `erasure`). */
  erasuresRequested: Type.Optional(Type.Integer()),
});
export type SourceStatus = Static<typeof SourceStatus>;

export const SourceView = Type.Object({
  name: Type.String(),
  kind: Type.String(),
  url: Type.String({ description: 'Without the password' }),
  table: Type.Optional(Type.String()),
  query: Type.Optional(Type.String()),
  key: Type.String(),
  cursor: Type.String(),
  mapping: SourceMapping(),
  pageSize: Type.Integer(),
  everyMinutes: Type.Optional(Type.Integer()),
  deletes: Type.Optional(SoftDeletes()),
  status: SourceStatus,
});
export type SourceView = Static<typeof SourceView>;

export const SourceName = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.-]+$' }),
});

/** GET /v1/sources: its 200 answer. */
export const SourceList = Type.Object({ items: Type.Array(SourceView) });

/** POST /v1/sources/:name/test: its 200 answer. */
export const SourceTestAnswer = Type.Object({
  rows: Type.Integer(),
  messages: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  rejected: Type.Array(Type.Object({ key: Type.String(), reason: Type.String() })),
});
