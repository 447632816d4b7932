import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { TailorError, type MatchRecord } from '@tailor/core';
import { matchColumns } from '../models/read-csv-table.js';

/**
 * Reads a CSV of people for matching: a header row, one record per row, `idColumn` naming each.
 * Cells are trimmed (some exports write ", " between fields); an empty cell is an unknown value.
 * An id column not written as given is found ignoring case and surrounding spaces, as in readCsvTable.
 */
export function readMatchFile(file: string, idColumn: string): MatchRecord[] {
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  let rows: Record<string, string>[];
  try {
    rows = parse<Record<string, string>>(readFileSync(file), {
      columns: (names: string[]) => matchColumns(names, [idColumn]),
      bom: true,
      trim: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${file} is not readable CSV: ${(error as Error).message}`,
    );
  }
  if (rows.length === 0) throw new TailorError('invalid_request', `${file} has no records`);
  if (!Object.hasOwn(rows[0] ?? {}, idColumn)) {
    throw new TailorError(
      'invalid_request',
      `${file} has no column ${idColumn} (columns: ${Object.keys(rows[0] ?? {}).join(', ')})`,
    );
  }
  const seen = new Set<string>();
  return rows.map((row, i) => {
    const id = row[idColumn] ?? '';
    if (id === '')
      throw new TailorError('invalid_request', `${file} line ${i + 2}: empty ${idColumn}`);
    if (seen.has(id))
      throw new TailorError(
        'invalid_request',
        `${file} line ${i + 2}: ${idColumn} ${id} appears twice`,
      );
    seen.add(id);
    const fields: Record<string, string | undefined> = {};
    for (const [column, value] of Object.entries(row))
      if (column !== idColumn) fields[column] = value === '' ? undefined : value;
    return { id, fields };
  });
}
