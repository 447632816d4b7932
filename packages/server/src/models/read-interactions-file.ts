import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parseTimestamp, TailorError, type Interaction } from '@tailor/core';

/** The columns of an interactions file `tailor recommend` reads. */
export interface InteractionColumns {
  user: string;
  item: string;
  time?: string | undefined;
}

/**
 * Reads a CSV of interactions (a header row, one interaction per row): the user and item ids
 * exactly as written and, when a time column is named, an ISO 8601 time (no zone: UTC). A missing
 * column, an empty id or a time that does not parse is an error naming the line and the column.
 */
export function readInteractionsFile(file: string, columns: InteractionColumns): Interaction[] {
  const { header, rows } = readCsv(file);
  for (const column of [columns.user, columns.item, columns.time])
    if (column !== undefined && !header.includes(column))
      throw new TailorError(
        'invalid_request',
        `${file} has no column ${column} (columns: ${header.join(', ')})`,
      );
  return rows.map(({ record, line }) => {
    const cell = (column: string): string => {
      const value = record[column] ?? '';
      if (value === '')
        throw new TailorError('invalid_request', `${file} line ${line}, column ${column}: empty`);
      return value;
    };
    const interaction: Interaction = { user: cell(columns.user), item: cell(columns.item) };
    if (columns.time !== undefined) {
      const time = parseTimestamp(cell(columns.time));
      if (!time.ok)
        throw new TailorError(
          'invalid_request',
          `${file} line ${line}, column ${columns.time}: ${time.error}`,
        );
      interaction.time = time.value;
    }
    return interaction;
  });
}

/** The distinct values of column `user` of a CSV, in the order they first appear. */
export function readUsersFile(file: string): string[] {
  const { header, rows } = readCsv(file);
  if (!header.includes('user'))
    throw new TailorError(
      'invalid_request',
      `${file} has no column user (columns: ${header.join(', ')})`,
    );
  const users = new Set<string>();
  for (const { record, line } of rows) {
    const user = record.user ?? '';
    if (user === '')
      throw new TailorError('invalid_request', `${file} line ${line}, column user: empty`);
    users.add(user);
  }
  return [...users];
}

interface Row {
  record: Record<string, string>;
  line: number;
}

function readCsv(file: string): { header: string[]; rows: Row[] } {
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  let header: string[] = [];
  try {
    const rows = parse<Row, Record<string, string>>(readFileSync(file), {
      columns: (names: string[]) => (header = names),
      bom: true,
      skip_empty_lines: true,
      on_record: (record, context) => ({ record, line: context.lines }),
    });
    return { header, rows };
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${file} is not readable CSV: ${(error as Error).message}`,
    );
  }
}
