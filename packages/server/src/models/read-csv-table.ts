import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { TailorError } from '@tailor/core';

/** A CSV table as read: its header, and each record with the line it ends on (for errors). */
export interface CsvTable {
  header: string[];
  records: { record: Record<string, string>; line: number }[];
}

/**
 * Reads a CSV file with a header row, every cell as written (`0001` stays `0001`). A `required`
 * column the header does not hold as written is the one header equal to it but for case and
 * surrounding spaces (`Customer ID ` for `customer id`), renamed to it. A missing file, an empty
 * file, unreadable CSV or a missing `required` column is an error naming the file.
 */
export function readCsvTable(file: string, required: readonly string[] = []): CsvTable {
  if (!existsSync(file)) throw new TailorError('invalid_request', `file not found: ${file}`);
  let header: string[] = [];
  let records: CsvTable['records'];
  try {
    records = parse<{ record: Record<string, string>; line: number }, Record<string, string>>(
      readFileSync(file),
      {
        columns: (names: string[]) => (header = matchColumns(names, required)),
        bom: true,
        skip_empty_lines: true,
        on_record: (record, context) => ({ record, line: context.lines }),
      },
    );
  } catch (error) {
    throw new TailorError(
      'invalid_request',
      `${file} is not readable CSV: ${(error as Error).message}`,
    );
  }
  if (header.length === 0)
    throw new TailorError('invalid_request', `${file} is empty: no header row`);
  for (const column of required)
    if (!header.includes(column))
      throw new TailorError(
        'invalid_request',
        `${file} has no column ${column} (columns: ${header.join(', ')})`,
      );
  return { header, records };
}

/** The header, each required name it lacks as written taken by its one loosely equal column. */
export function matchColumns(names: string[], required: readonly string[]): string[] {
  const loose = (name: string) => name.trim().toLowerCase();
  const header = [...names];
  for (const name of required) {
    if (header.includes(name)) continue;
    const near = header.flatMap((column, i) => (loose(column) === loose(name) ? [i] : []));
    if (near.length === 1) header[near[0] ?? 0] = name;
  }
  return header;
}
