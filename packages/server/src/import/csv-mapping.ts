import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { err, ok, TailorError, type Result } from '@tailor/core';

const FieldSource = Type.Union([
  Type.String({ minLength: 1, description: 'A column name' }),
  Type.Object(
    {
      column: Type.String({ minLength: 1 }),
      as: Type.Optional(
        Type.Union([
          Type.Literal('string'),
          Type.Literal('number'),
          Type.Literal('boolean'),
          Type.Literal('json'),
        ]),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { value: Type.Unknown() },
    { additionalProperties: false, description: 'A constant' },
  ),
]);

/**
 * How CSV rows become Segment messages: `fields` maps a message path (`userId`, `event`,
 * `properties.revenue`, `traits.email`) to a column, a typed column, or a constant. `type` is
 * the message type for every row unless a `type` field says otherwise.
 */
export const CsvMapping = Type.Object(
  {
    type: Type.Optional(Type.String()),
    fields: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$' }),
      FieldSource,
    ),
  },
  { additionalProperties: false },
);
export type CsvMapping = Static<typeof CsvMapping>;

const checkMapping = Compile(CsvMapping);
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
/** Paths whose values stay text when the mapping is derived from the header. */
const TEXT_PATHS = new Set([
  'type',
  'event',
  'userId',
  'anonymousId',
  'messageId',
  'groupId',
  'previousId',
  'timestamp',
  'sentAt',
  'name',
  'category',
]);

export function parseCsvMapping(value: unknown): CsvMapping {
  if (!checkMapping.Check(value)) {
    const first = checkMapping.Errors(value)[0];
    throw new TailorError(
      'invalid_request',
      `column mapping ${first?.instancePath ?? ''}: ${first?.message ?? 'invalid'}`,
    );
  }
  for (const path of Object.keys(value.fields)) {
    if (path.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s))) {
      throw new TailorError('invalid_request', `column mapping: path ${path} is not allowed`);
    }
  }
  return value;
}

/** Without a mapping, each header names its path; numbers and booleans are read as such. */
export function mappingFromHeader(header: readonly string[]): CsvMapping {
  const fields: CsvMapping['fields'] = {};
  for (const column of header) {
    const path = column.trim();
    if (path === '' || path.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s))) continue;
    fields[path] = TEXT_PATHS.has(path) ? column : { column, as: 'json' };
  }
  return { fields };
}

/** One CSV row (by column name) to a message, or the reason it cannot be one. */
export function mapRow(
  row: Record<string, string>,
  mapping: CsvMapping,
): Result<Record<string, unknown>> {
  const message: Record<string, unknown> = mapping.type !== undefined ? { type: mapping.type } : {};
  for (const [path, source] of Object.entries(mapping.fields)) {
    let value: unknown;
    if (typeof source === 'object' && 'value' in source) {
      value = source.value;
    } else {
      const column = typeof source === 'string' ? source : source.column;
      const cell = row[column];
      if (cell === undefined) return err(`column ${column} is missing`);
      if (cell === '') continue;
      const converted = convert(
        cell,
        typeof source === 'string' ? 'string' : (source.as ?? 'string'),
      );
      if (!converted.ok) return err(`column ${column}: ${converted.error}`);
      value = converted.value;
    }
    setPath(message, path, value);
  }
  return ok(message);
}

function convert(cell: string, as: 'string' | 'number' | 'boolean' | 'json'): Result<unknown> {
  switch (as) {
    case 'string':
      return ok(cell);
    case 'number': {
      const n = Number(cell.trim());
      // The reasons go to the rejects file: they name the column, never quote the cell (it may be personal).
      return Number.isFinite(n) && cell.trim() !== '' ? ok(n) : err('not a number');
    }
    case 'boolean': {
      const t = cell.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(t)) return ok(true);
      if (['false', '0', 'no'].includes(t)) return ok(false);
      return err('not a boolean (true/false, 1/0, yes/no)');
    }
    case 'json': {
      // Numbers and booleans as such; anything else stays text.
      const t = cell.trim();
      if (t === 'true' || t === 'false') return ok(t === 'true');
      // Only canonical numbers: "007" or "1e3x" stay text (postcodes, ids).
      return ok(/^-?(0|[1-9]\d*)(\.\d+)?$/.test(t) ? Number(t) : cell);
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const next = node[key];
    if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
    else node = node[key] = {};
  }
  node[parts[parts.length - 1] as string] = value;
}
