import { parseTimestamp, TailorError, type Interaction } from '@tailor/core';
import { readCsvTable } from './read-csv-table.js';

/** The columns of an interactions file `tailor recommend` reads. */
export interface InteractionColumns {
  user: string;
  item: string;
  time?: string | undefined;
  /** The column naming each row's order (basket), for method bought-together. */
  order?: string | undefined;
}

/**
 * Reads a CSV of interactions (a header row, one interaction per row): the user and item ids
 * exactly as written and, when a time column is named, an ISO 8601 time (no zone: UTC). A missing
 * column, an empty id or a time that does not parse is an error naming the line and the column.
 */
export function readInteractionsFile(file: string, columns: InteractionColumns): Interaction[] {
  const { records } = readCsvTable(
    file,
    [columns.user, columns.item, columns.time, columns.order].filter(
      (c): c is string => c !== undefined,
    ),
  );
  return records.map(({ record, line }) => {
    const cell = (column: string): string => {
      const value = record[column] ?? '';
      if (value === '')
        throw new TailorError('invalid_request', `${file} line ${line}, column ${column}: empty`);
      return value;
    };
    const interaction: Interaction = { user: cell(columns.user), item: cell(columns.item) };
    if (columns.order !== undefined) interaction.basket = cell(columns.order);
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
  const { records } = readCsvTable(file, ['user']);
  const users = new Set<string>();
  for (const { record, line } of records) {
    const user = record.user ?? '';
    if (user === '')
      throw new TailorError('invalid_request', `${file} line ${line}, column user: empty`);
    users.add(user);
  }
  return [...users];
}
